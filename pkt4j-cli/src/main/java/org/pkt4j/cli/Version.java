package org.pkt4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** pkt4j's version, from the build. */
public final class Version implements IVersionProvider {

    public static String get() {
        try (InputStream in = Version.class.getResourceAsStream("/pkt4j-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"pkt4j " + get() + " (Java " + Runtime.version() + ")"};
    }
}
