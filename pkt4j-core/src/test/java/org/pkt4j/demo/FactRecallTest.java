package org.pkt4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The fact-recall probe asks in a phrasing the corpus uses, and reads a reply's first words strictly. */
class FactRecallTest {

    @Test
    void thePromptIsTheStartOfACorpusStatement() {
        DemoWorld world = DemoSplits.generate(DemoSplits.DEFAULT_SEED).world();
        for (DemoWorld.Fact f : world.facts()) {
            // phrasing statements().size() is "Q: <first question> A: <Value>."
            String stated = DemoCorpus.statement(f, f.relation().statements().size());
            assertThat(stated).startsWith(FactRecall.prompt(f) + " ");
            assertTrue(FactRecall.states(stated.substring(FactRecall.prompt(f).length()), f.value()), stated);
        }
    }

    @Test
    void aReplyMustStartWithTheWholeValue() {
        assertTrue(FactRecall.states(" Zorvak. Q: What", "Zorvak"));
        assertTrue(FactRecall.states(" the hills.", "The hills"));
        assertTrue(FactRecall.states(" 1867", "1867"));
        assertFalse(FactRecall.states(" Zorvakia.", "Zorvak"));
        assertFalse(FactRecall.states(" 18670", "1867"));
        assertFalse(FactRecall.states(" It is Zorvak.", "Zorvak"));
        assertFalse(FactRecall.states("", "Zorvak"));
    }
}
