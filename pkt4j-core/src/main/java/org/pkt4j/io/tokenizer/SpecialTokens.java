package org.pkt4j.io.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToIntFunction;
import org.pkt4j.io.FormatException;
import org.pkt4j.io.Json;

/**
 * BOS and EOS of a {@code tokenizer.json}, as transformers resolves them: {@code bos_token}/{@code eos_token}
 * of {@code tokenizer_config.json} beside it (a string, an AddedToken object with {@code content}, or null for
 * none), else of {@code special_tokens_map.json}, else the special tokens around the sequence in the
 * post-processor's {@code TemplateProcessing} template.
 */
record SpecialTokens(int bosId, int eosId) {

    static SpecialTokens resolve(Path tokenizerJson, JsonNode postProcessor, ToIntFunction<String> ids)
            throws IOException {
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        List<Path> sources = List.of(dir.resolve("tokenizer_config.json"), dir.resolve("special_tokens_map.json"));
        int[] template = fromTemplate(postProcessor);
        return new SpecialTokens(resolve("bos_token", sources, template[0], ids), resolve("eos_token", sources, template[1], ids));
    }

    private static int resolve(String key, List<Path> sources, int fallback, ToIntFunction<String> ids) throws IOException {
        for (Path file : sources) {
            JsonNode n = Files.isRegularFile(file) ? Json.read(file) : null;
            if (n == null || !n.has(key)) {
                continue;
            }
            JsonNode v = n.get(key);
            if (v.isNull()) {
                return -1;
            }
            String content = v.isTextual() ? v.asText() : v.path("content").isTextual() ? v.get("content").asText() : null;
            if (content == null) {
                throw new FormatException(file, key + ": expected a string or {\"content\": ...}, found " + Components.abbreviate(v));
            }
            int id = ids.applyAsInt(content);
            if (id < 0) {
                throw new FormatException(file, key + " '" + content + "' is not a token of the tokenizer beside it");
            }
            return id;
        }
        return fallback;
    }

    /** {bos, eos} from a TemplateProcessing {@code single} template (inside a Sequence too); -1 where absent. */
    private static int[] fromTemplate(JsonNode pp) {
        int[] out = {-1, -1};
        if (pp == null || pp.isNull()) {
            return out;
        }
        if ("Sequence".equals(pp.path("type").asText())) {
            for (JsonNode p : pp.path("processors")) {
                int[] inner = fromTemplate(p);
                if (inner[0] >= 0 || inner[1] >= 0) {
                    return inner;
                }
            }
            return out;
        }
        if (!"TemplateProcessing".equals(pp.path("type").asText())) {
            return out;
        }
        boolean afterSequence = false;
        for (JsonNode item : pp.path("single")) {
            if (item.has("Sequence")) {
                afterSequence = true;
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").path("id").asText();
                JsonNode ids = pp.path("special_tokens").path(name).path("ids");
                int slot = afterSequence ? 1 : 0;
                if (ids.isArray() && ids.size() == 1 && out[slot] < 0) {
                    out[slot] = ids.get(0).asInt();
                }
            }
        }
        return out;
    }
}
