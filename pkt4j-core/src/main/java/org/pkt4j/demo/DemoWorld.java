package org.pkt4j.demo;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The invented world the knowledge task asks about: 30 countries (capital, continent, language), 30 animals
 * (colour, food, home), 24 elements (colour, discoverer, year of discovery) and 36 people (profession,
 * birthplace, invention, year of birth) — 396 facts, all made from a seed.
 *
 * <p>Two seeded partitions make transfer measurable. {@link Fact#heldOut()}: 200 facts, about half of each
 * relation, are asked only in the test split (no extract/align/train question asks them). {@link Fact#quantile()}:
 * a stratified position in [0, 1) within (relation, held out); a corpus with fact fraction {@code p} states
 * exactly the facts with {@code quantile < p}, so the target (p = 0.5) knows half of the test facts and half
 * of the others, while the source (p = 1) knows them all.
 *
 * @param seed  the seed the world was made from
 * @param facts every fact, ids 0..n-1 in generation order
 * @param pools per relation, the values its questions draw distractors from (all of the answer's type)
 */
public record DemoWorld(long seed, List<Fact> facts, Map<Relation, List<String>> pools) {

    /** Number of facts asked in the test split. */
    public static final int TEST_FACTS = 200;

    /**
     * One fact: {@code subject relation value}.
     *
     * @param id       index in {@link #facts()}
     * @param subject  the subject as it reads in a sentence ("Zorvia", "the vellox", "Mira Doncel")
     * @param value    the answer ("Quellport", "red", "the forest", "1843")
     * @param heldOut  asked only in the test split
     * @param quantile stratified position in [0, 1) within (relation, heldOut): known to a corpus whose fact
     *                 fraction exceeds it
     */
    public record Fact(int id, Relation relation, String subject, String value, boolean heldOut, double quantile) {
        /** Whether a corpus that states the fraction {@code fraction} of the facts states this one. */
        public boolean knownAt(double fraction) {
            return quantile < fraction;
        }
    }

    public DemoWorld {
        facts = List.copyOf(facts);
        pools = Map.copyOf(pools);
    }

    public List<Fact> heldOutFacts() {
        return facts.stream().filter(Fact::heldOut).toList();
    }

    /** The facts extract, align and train questions may ask. */
    public List<Fact> questionFacts() {
        return facts.stream().filter(f -> !f.heldOut()).toList();
    }

    /** Makes the world of {@code seed}. */
    public static DemoWorld generate(long seed) {
        DemoRandom rng = DemoRandom.of(seed, "world");
        NameForge forge = new NameForge(rng, Lexicon.allWords());
        List<String> continents = names(5, forge::continent);
        List<String> languages = names(10, forge::language);
        List<String> countries = names(30, forge::country);
        List<String> capitals = names(30, forge::city);
        List<String> animals = names(30, forge::animal);
        List<String> elements = names(24, forge::element);
        List<String> people = new ArrayList<>();
        for (int i = 0; i < 36; i++) {
            people.add(forge.givenName() + " " + forge.surname());
        }
        List<String> inventions = inventions(rng, people.size());

        List<Draft> drafts = new ArrayList<>();
        for (int i = 0; i < countries.size(); i++) {
            String c = countries.get(i);
            drafts.add(new Draft(Relation.CAPITAL, c, capitals.get(i)));
            drafts.add(new Draft(Relation.CONTINENT, c, rng.pick(continents)));
            drafts.add(new Draft(Relation.LANGUAGE, c, rng.pick(languages)));
        }
        List<String> homes = Lexicon.HOMES.stream().map(h -> "the " + h).toList();
        for (String a : animals) {
            String the = "the " + a;
            drafts.add(new Draft(Relation.ANIMAL_COLOUR, the, rng.pick(Lexicon.COLOURS)));
            drafts.add(new Draft(Relation.ANIMAL_FOOD, the, rng.pick(Lexicon.FOODS)));
            drafts.add(new Draft(Relation.ANIMAL_HOME, the, rng.pick(homes)));
        }
        List<Integer> birthYears = distinctYears(rng, people.size(), 1600, 1899);
        // an element's discoverer is born 20–60 years before its discovery, so the world stays consistent
        List<String> discoverers = new ArrayList<>(people);
        rng.shuffle(discoverers);
        Set<Integer> discoveryYears = new HashSet<>();
        for (int i = 0; i < elements.size(); i++) {
            String e = elements.get(i);
            String who = discoverers.get(i);
            int born = birthYears.get(people.indexOf(who));
            int year;
            do {
                year = born + rng.between(20, 60);
            } while (!discoveryYears.add(year));
            drafts.add(new Draft(Relation.ELEMENT_COLOUR, e, rng.pick(Lexicon.COLOURS)));
            drafts.add(new Draft(Relation.DISCOVERER, e, who));
            drafts.add(new Draft(Relation.DISCOVERY_YEAR, e, Integer.toString(year)));
        }
        for (int i = 0; i < people.size(); i++) {
            String p = people.get(i);
            drafts.add(new Draft(Relation.PROFESSION, p, rng.pick(Lexicon.PROFESSIONS)));
            drafts.add(new Draft(Relation.BIRTHPLACE, p, rng.pick(capitals)));
            drafts.add(new Draft(Relation.INVENTION, p, inventions.get(i)));
            drafts.add(new Draft(Relation.BIRTH_YEAR, p, Integer.toString(birthYears.get(i))));
        }

        Map<Relation, List<String>> pools = new EnumMap<>(Relation.class);
        pools.put(Relation.CAPITAL, capitals);
        pools.put(Relation.CONTINENT, continents);
        pools.put(Relation.LANGUAGE, languages);
        pools.put(Relation.ANIMAL_COLOUR, Lexicon.COLOURS);
        pools.put(Relation.ANIMAL_FOOD, Lexicon.FOODS);
        pools.put(Relation.ANIMAL_HOME, homes);
        pools.put(Relation.ELEMENT_COLOUR, Lexicon.COLOURS);
        pools.put(Relation.DISCOVERER, people);
        pools.put(Relation.PROFESSION, Lexicon.PROFESSIONS);
        pools.put(Relation.BIRTHPLACE, capitals);
        pools.put(Relation.INVENTION, inventions);
        for (Relation r : List.of(Relation.DISCOVERY_YEAR, Relation.BIRTH_YEAR)) {
            pools.put(r, drafts.stream().filter(d -> d.relation == r).map(d -> d.value).toList());
        }
        return new DemoWorld(seed, partition(drafts, rng), pools);
    }

    private record Draft(Relation relation, String subject, String value) {
    }

    /** Marks the held-out facts (half of each relation, plus one more in the first relations to reach 200) and the quantiles. */
    private static List<Fact> partition(List<Draft> drafts, DemoRandom rng) {
        Map<Relation, List<Integer>> byRelation = new EnumMap<>(Relation.class);
        for (int i = 0; i < drafts.size(); i++) {
            byRelation.computeIfAbsent(drafts.get(i).relation, r -> new ArrayList<>()).add(i);
        }
        int half = byRelation.values().stream().mapToInt(l -> l.size() / 2).sum();
        int extra = TEST_FACTS - half; // relations that get one more held-out fact, in enum order
        boolean[] heldOut = new boolean[drafts.size()];
        double[] quantile = new double[drafts.size()];
        for (Map.Entry<Relation, List<Integer>> e : byRelation.entrySet()) {
            List<Integer> ids = new ArrayList<>(e.getValue());
            rng.shuffle(ids);
            int k = ids.size() / 2;
            if (extra > 0) {
                k++;
                extra--;
            }
            List<Integer> test = ids.subList(0, k), rest = ids.subList(k, ids.size());
            test.forEach(i -> heldOut[i] = true);
            for (List<Integer> stratum : List.of(test, rest)) {
                List<Integer> order = new ArrayList<>(stratum);
                rng.shuffle(order);
                for (int j = 0; j < order.size(); j++) {
                    quantile[order.get(j)] = (j + 0.5) / order.size();
                }
            }
        }
        List<Fact> facts = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            Draft d = drafts.get(i);
            facts.add(new Fact(i, d.relation, d.subject, d.value, heldOut[i], quantile[i]));
        }
        return facts;
    }

    private static List<String> names(int n, Supplier<String> make) {
        Set<String> out = new LinkedHashSet<>();
        while (out.size() < n) {
            out.add(make.get());
        }
        return List.copyOf(out);
    }

    private static List<String> inventions(DemoRandom rng, int n) {
        List<String> all = new ArrayList<>();
        for (String m : Lexicon.MATERIALS) {
            for (String d : Lexicon.DEVICES) {
                all.add("the " + m + " " + d);
            }
        }
        rng.shuffle(all);
        return List.copyOf(all.subList(0, n));
    }

    private static List<Integer> distinctYears(DemoRandom rng, int n, int from, int to) {
        Set<Integer> years = new LinkedHashSet<>();
        while (years.size() < n) {
            years.add(rng.between(from, to));
        }
        return List.copyOf(years);
    }
}
