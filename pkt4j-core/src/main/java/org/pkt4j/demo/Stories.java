package org.pkt4j.demo;

import java.util.ArrayList;
import java.util.List;
import org.pkt4j.demo.Lexicon.Person;

/**
 * Generic simple English for the pretraining corpus: short stories in the TinyStories manner, assembled from
 * stages (opening, routine, event, reaction, ending) with several phrasings each, and short everyday
 * descriptions. It teaches the models plain language around the tasks; it never names anything of the
 * demo world, so it states no fact a corpus should not know.
 */
final class Stories {
    private Stories() {
    }

    /** A story of 6–9 sentences. */
    static String story(DemoRandom rng) {
        Person p = rng.pick(Lexicon.PEOPLE);
        Person friend = rng.pick(Lexicon.PEOPLE);
        while (friend.equals(p)) {
            friend = rng.pick(Lexicon.PEOPLE);
        }
        String animal = rng.pick(Lexicon.ANIMALS);
        String adj = rng.pick(Lexicon.ADJECTIVES);
        String place = rng.pick(Lexicon.PLACES);
        String object = rng.pick(Lexicon.OBJECTS);
        String colour = rng.pick(Lexicon.COLOURS);
        String activity = rng.pick(Lexicon.ACTIVITIES);
        String feeling = rng.pick(Lexicon.FEELINGS);
        String n = p.name(), he = p.he(), He = p.He(), his = p.his(), him = p.him(), f = friend.name();

        List<String> s = new ArrayList<>();
        s.add(rng.pick(
                "Once upon a time, there was " + Lexicon.article(adj) + " " + adj + " child named " + n + ".",
                "One " + rng.pick(Lexicon.WEATHER) + " day, " + n + " went to the " + place + ".",
                "There was once " + Lexicon.article(adj) + " " + adj + " " + animal + " who lived near the " + place
                        + ". Its best friend was a child named " + n + ".",
                n + " was " + Lexicon.article(adj) + " " + adj + " child who lived in a small house near the " + place + "."));
        s.add(rng.pick(
                "Every day, " + n + " liked to " + activity + ".",
                He + " loved to " + activity + " with " + his + " friend " + f + ".",
                n + " and " + f + " liked to " + activity + " after school.",
                "In the morning, " + he + " would " + activity + " and eat " + rng.pick(Lexicon.FOODS_EATEN) + "."));
        s.add(rng.pick(
                "One day, " + n + " found " + Lexicon.article(colour) + " " + colour + " " + object + " in the " + place + ".",
                "One day, " + Lexicon.article(animal) + " " + animal + " came to the " + place + " and took " + his + " " + object + ".",
                "One day, " + n + " lost " + his + " " + colour + " " + object + ".",
                "One day, " + f + " gave " + n + " " + Lexicon.article(object) + " " + object + " as a gift."));
        s.add(rng.pick(
                n + " felt " + feeling + ".",
                He + " was very " + feeling + " and did not know what to do.",
                "\"What should I do?\" " + n + " asked.",
                n + " looked at the " + object + " for a long time."));
        s.add(rng.pick(
                He + " asked " + f + " for help.",
                f + " said, \"Do not worry. We can do it together.\"",
                "Then " + he + " had an idea.",
                "Mom said, \"Be kind and you will find a way.\""));
        s.add(rng.pick(
                "They looked everywhere, and at last they found the " + object + " under a tree.",
                "Together they shared the " + object + " and played until the sun went down.",
                "The " + animal + " gave the " + object + " back and said sorry.",
                n + " put the " + object + " in a safe place next to " + his + " bed."));
        if (rng.chance(0.7)) {
            s.add(rng.pick(
                    n + " was " + rng.pick(Lexicon.FEELINGS) + " again.",
                    "From that day on, " + n + " and " + f + " were best friends.",
                    "At night, " + he + " told " + his + " mom about the day.",
                    "Everyone smiled at " + him + "."));
        }
        if (rng.chance(0.5)) {
            s.add(rng.pick(
                    "The end.",
                    n + " learned that sharing makes everyone happy.",
                    n + " learned to be brave and to ask for help.",
                    "It was the best day of the year."));
        }
        return String.join(" ", s);
    }

    /** Two to four everyday sentences about one thing. */
    static String description(DemoRandom rng) {
        String animal = rng.pick(Lexicon.ANIMALS);
        String place = rng.pick(Lexicon.PLACES);
        String colour = rng.pick(Lexicon.COLOURS);
        String object = rng.pick(Lexicon.OBJECTS);
        String food = rng.pick(Lexicon.FOODS_EATEN);
        List<String> options = List.of(
                "The " + place + " is quiet in the morning. Birds sing in the trees. Children come to play after lunch.",
                Lexicon.capitalise(Lexicon.article(animal)) + " " + animal + " can be " + rng.pick(Lexicon.ADJECTIVES) + ". It likes to sleep in a warm place.",
                "The " + object + " is " + colour + ". It sits on the table next to the window.",
                "It is " + rng.pick(Lexicon.WEATHER) + " today. We will stay in the " + place + " and eat " + food + ".",
                "My favourite food is " + food + ". I eat it with my family on " + rng.pick(Lexicon.DAYS) + ".",
                "There are " + (2 + rng.nextInt(8)) + " " + Lexicon.plural(animal) + " in the " + place + ". They are looking for food.",
                "The sky is blue and the grass is green. The sun is warm. It is a good day to " + rng.pick(Lexicon.ACTIVITIES) + ".");
        return rng.pick(options);
    }
}
