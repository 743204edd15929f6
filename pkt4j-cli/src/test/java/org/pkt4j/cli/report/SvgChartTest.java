package org.pkt4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

class SvgChartTest {

    @Test
    void rendersWellFormedSvgWithOnePointPerValue() throws Exception {
        String svg = new SvgChart("acc <vs> steps", "steps", "accuracy").yRange(0, 1)
                .add(new SvgChart.Series("arithmetic", new double[] {2, 4, 8, 16}, new double[] {0.1, 0.2, Double.NaN, 0.4}))
                .add(new SvgChart.Series("knowledge", new double[] {2, 4, 8, 16}, new double[] {0.3, 0.3, 0.35, 0.5}))
                .render();
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(doc.getElementsByTagName("circle").getLength()).isEqualTo(7);
        assertThat(doc.getElementsByTagName("path").getLength()).isEqualTo(2);
        assertThat(svg).contains("acc &lt;vs&gt; steps");
    }
}
