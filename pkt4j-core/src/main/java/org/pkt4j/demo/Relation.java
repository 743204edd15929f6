package org.pkt4j.demo;

import java.util.List;

/**
 * The kinds of fact in the demo world: who or what a fact is about, the subject area it is asked under
 * (the MMLU-style {@code category}), the questions that ask it and the sentences that state it.
 * Templates use {@code {S}} (the subject as it reads in a sentence, e.g. "the vellox"), {@code {O}} (the
 * value) and {@code {aO}} (the value with "a"/"an"). Each sentence states exactly one fact, so a model that
 * knows some facts about an entity need not know the others.
 */
public enum Relation {
    CAPITAL("world_geography",
            List.of("What is the capital of {S}?", "Which city is the capital of {S}?"),
            List.of("The capital of {S} is {O}.", "{O} is the capital of {S}.", "{S} has its capital in {O}.",
                    "The capital city of {S} is called {O}.")),
    CONTINENT("world_geography",
            List.of("On which continent is {S}?", "Which continent is {S} part of?"),
            List.of("{S} is a country in {O}.", "{S} lies on the continent of {O}.", "The country of {S} is part of {O}.",
                    "{O} is the continent where {S} lies.")),
    LANGUAGE("world_geography",
            List.of("Which language is spoken in {S}?", "What language do the people of {S} speak?"),
            List.of("People in {S} speak {O}.", "The language of {S} is {O}.", "{O} is spoken in {S}.",
                    "In {S}, most people speak {O}.")),
    ANIMAL_COLOUR("zoology",
            List.of("What colour is {S}?", "Which colour does {S} have?"),
            List.of("{S} is {O}.", "The colour of {S} is {O}.", "{S} has {O} fur.", "The body of {S} is {O}.")),
    ANIMAL_FOOD("zoology",
            List.of("What does {S} eat?", "What is the food of {S}?"),
            List.of("{S} eats {O}.", "{S} feeds on {O}.", "The favourite food of {S} is {O}.", "What {S} eats is {O}.")),
    ANIMAL_HOME("zoology",
            List.of("Where does {S} live?", "Where can you find {S}?"),
            List.of("{S} lives in {O}.", "You can find {S} in {O}.", "{O} is the home of {S}.",
                    "The home of {S} is {O}.")),
    ELEMENT_COLOUR("chemistry",
            List.of("What colour is {S}?", "Which colour does pure {S} have?"),
            List.of("{S} is {O}.", "The colour of {S} is {O}.", "Pure {S} looks {O}.", "A piece of {S} is {O}.")),
    DISCOVERER("chemistry",
            List.of("Who discovered {S}?", "Which scientist found {S}?"),
            List.of("{S} was discovered by {O}.", "{O} discovered {S}.", "The element {S} was first found by {O}.",
                    "{O} was the first to find {S}.")),
    DISCOVERY_YEAR("chemistry",
            List.of("In which year was {S} discovered?", "When was {S} discovered?"),
            List.of("{S} was discovered in {O}.", "In {O}, {S} was discovered.", "The discovery of {S} was in {O}.",
                    "{S} was first found in the year {O}.")),
    PROFESSION("world_history",
            List.of("What was the job of {S}?", "What did {S} work as?"),
            List.of("{S} was {aO}.", "{S} worked as {aO}.", "By trade, {S} was {aO}.", "{S} earned a living as {aO}.")),
    BIRTHPLACE("world_history",
            List.of("In which city was {S} born?", "Where was {S} born?"),
            List.of("{S} was born in {O}.", "{O} is the birthplace of {S}.", "{S} came into the world in {O}.",
                    "The home town of {S} was {O}.")),
    INVENTION("world_history",
            List.of("What did {S} invent?", "Which invention is {S} known for?"),
            List.of("{S} invented {O}.", "{O} was invented by {S}.", "{S} is famous for inventing {O}.",
                    "The inventor of {O} was {S}.")),
    BIRTH_YEAR("world_history",
            List.of("In which year was {S} born?", "When was {S} born?"),
            List.of("{S} was born in {O}.", "{S} was born in the year {O}.", "The year of birth of {S} is {O}.",
                    "In {O}, {S} was born."));

    private final String category;
    private final List<String> questions;
    private final List<String> statements;

    Relation(String category, List<String> questions, List<String> statements) {
        this.category = category;
        this.questions = questions;
        this.statements = statements;
    }

    /** The MMLU-style category, e.g. "world_geography" (the prompt says "about world geography"). */
    public String category() {
        return category;
    }

    /** Question stems; each asks for the value given the subject. */
    public List<String> questions() {
        return questions;
    }

    /** Sentences stating a fact, each in a different phrasing. */
    public List<String> statements() {
        return statements;
    }

    /** A template filled in, its first letter capitalised. */
    static String fill(String template, String subject, String value) {
        String s = template.replace("{S}", subject).replace("{aO}", Lexicon.article(value) + " " + value)
                .replace("{O}", value);
        return Lexicon.capitalise(s);
    }
}
