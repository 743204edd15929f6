package org.pkt4j.demo;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The plain English words of the demo: attribute values of the world's facts, the people and things of the
 * arithmetic problems and the stories. Small on purpose — a model of a few million parameters should spend its
 * capacity on the facts and the arithmetic, not on a large vocabulary.
 */
final class Lexicon {
    private Lexicon() {
    }

    /** A person of the arithmetic problems and stories, with the pronouns the templates need. */
    record Person(String name, String he, String him, String his) {
        String He() {
            return capitalise(he);
        }

        String His() {
            return capitalise(his);
        }
    }

    /** A countable thing: singular and plural. */
    record Thing(String one, String many) {
    }

    static final List<String> COLOURS = List.of(
            "red", "blue", "green", "yellow", "purple", "orange", "white", "black", "grey", "brown", "pink", "silver");
    static final List<String> FOODS = List.of(
            "berries", "fish", "seeds", "grass", "insects", "leaves", "nuts", "roots", "mushrooms", "worms", "fruit", "honey");
    static final List<String> HOMES = List.of(
            "forest", "desert", "river", "mountains", "swamp", "caves", "meadows", "coast", "jungle", "lakes", "hills", "marshes");
    static final List<String> PROFESSIONS = List.of(
            "baker", "painter", "sailor", "farmer", "doctor", "teacher", "builder", "singer", "poet", "tailor", "miner", "astronomer");
    static final List<String> MATERIALS = List.of(
            "copper", "glass", "wooden", "iron", "paper", "singing", "floating", "spinning", "folding", "clockwork", "steam", "crystal");
    static final List<String> DEVICES = List.of(
            "lantern", "wheel", "kettle", "compass", "ladder", "bell", "loom", "telescope", "pump", "clock", "boat", "lamp");

    static final List<Person> PEOPLE = List.of(
            he("Tom"), he("Sam"), he("Ben"), he("Max"), he("Leo"), he("Jack"), he("Noah"), he("Omar"), he("Ravi"),
            he("Luis"), he("Ivan"), he("Hugo"), he("Paul"), he("Carl"), he("Dan"), he("Eli"), he("Finn"), he("Kai"),
            she("Lily"), she("Mia"), she("Emma"), she("Sara"), she("Anna"), she("Zoe"), she("Nina"), she("Lucy"),
            she("Grace"), she("Maya"), she("Rosa"), she("Ella"), she("Amy"), she("Ruth"), she("Jane"), she("Kim"),
            she("Lena"), she("Ada"));
    static final List<Thing> THINGS = List.of(
            thing("apple"), thing("marble"), thing("sticker"), thing("pencil"), thing("cookie"), thing("shell"),
            thing("book"), thing("card"), thing("egg"), thing("flower"), thing("balloon"), thing("candy", "candies"),
            thing("button"), thing("stamp"), thing("orange"), thing("cupcake"), thing("toy car"), thing("crayon"),
            thing("ribbon"), thing("muffin"), thing("peach", "peaches"), thing("rock"), thing("bead"), thing("leaf", "leaves"));
    static final List<Thing> CONTAINERS = List.of(
            thing("box", "boxes"), thing("bag"), thing("basket"), thing("jar"), thing("packet"), thing("crate"),
            thing("tray"), thing("bucket"));
    static final List<String> GAIN_VERBS = List.of("buys", "finds", "picks", "collects", "gets", "wins");
    static final List<String> LOSE_VERBS = List.of("gives away", "eats", "loses", "sells", "uses");
    static final List<Thing> PRICED = List.of(
            thing("notebook"), thing("toy"), thing("ticket"), thing("sandwich", "sandwiches"), thing("poster"),
            thing("kite"), thing("comic"), thing("plant"), thing("cup"), thing("scarf", "scarves"));
    static final List<String> DAYS = List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday");

    // the stories' words
    static final List<String> ANIMALS = List.of(
            "cat", "dog", "bird", "rabbit", "fox", "bear", "duck", "frog", "mouse", "owl", "squirrel", "turtle");
    static final List<String> PLACES = List.of(
            "park", "garden", "forest", "village", "farm", "beach", "town", "meadow", "school", "library");
    static final List<String> OBJECTS = List.of(
            "ball", "kite", "box", "hat", "book", "flower", "stone", "shell", "key", "map", "drum", "blanket");
    static final List<String> ADJECTIVES = List.of(
            "little", "big", "happy", "kind", "brave", "shy", "curious", "small", "old", "bright", "quiet", "funny");
    static final List<String> FEELINGS = List.of(
            "happy", "sad", "scared", "excited", "proud", "surprised", "tired", "calm", "glad", "worried");
    static final List<String> ACTIVITIES = List.of(
            "play in the park", "read books", "climb trees", "sing songs", "paint pictures", "ride a bike",
            "swim in the lake", "fly a kite", "bake bread", "dance", "build sand castles", "look at the stars");
    static final List<String> WEATHER = List.of(
            "sunny", "rainy", "windy", "cold", "warm", "cloudy", "snowy");
    static final List<String> FOODS_EATEN = List.of(
            "soup", "bread", "cake", "apples", "rice", "pie", "cheese", "pancakes", "carrots", "cookies");

    /** Every word above, lower case: the invented names must differ from all of them. */
    static Set<String> allWords() {
        Set<String> words = new TreeSet<>();
        Stream.of(COLOURS, FOODS, HOMES, PROFESSIONS, MATERIALS, DEVICES, GAIN_VERBS, LOSE_VERBS, DAYS, ANIMALS,
                        PLACES, OBJECTS, ADJECTIVES, FEELINGS, ACTIVITIES, WEATHER, FOODS_EATEN)
                .flatMap(List::stream).forEach(w -> addWords(words, w));
        PEOPLE.forEach(p -> addWords(words, p.name()));
        Stream.of(THINGS, CONTAINERS, PRICED).flatMap(List::stream).forEach(t -> {
            addWords(words, t.one());
            addWords(words, t.many());
        });
        return words;
    }

    private static void addWords(Set<String> words, String phrase) {
        for (String w : phrase.split(" ")) {
            words.add(w.toLowerCase(Locale.ROOT));
        }
    }

    static String capitalise(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** The plural of a story animal. */
    static String plural(String animal) {
        return switch (animal) {
            case "fox" -> "foxes";
            case "mouse" -> "mice";
            default -> animal + "s";
        };
    }

    /** "a" or "an" before {@code word}. */
    static String article(String word) {
        return "aeiou".indexOf(Character.toLowerCase(word.charAt(0))) >= 0 ? "an" : "a";
    }

    private static Person he(String name) {
        return new Person(name, "he", "him", "his");
    }

    private static Person she(String name) {
        return new Person(name, "she", "her", "her");
    }

    private static Thing thing(String one) {
        return new Thing(one, one + "s");
    }

    private static Thing thing(String one, String many) {
        return new Thing(one, many);
    }
}
