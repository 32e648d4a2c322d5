package dev.gpusched.gang;

import dev.gpusched.topology.cluster.InterNodePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GangSpecTest {

    @Test
    void readsTheExplicitForm() {
        GangSpec s = GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "train-1", "gpusched.dev/gang-size", "16",
                "gpusched.dev/gang-timeout", "2m", "gpusched.dev/inter-node", "same-leaf"), Map.of(), null);
        assertThat(s.key()).isEqualTo(new GangKey("ml", "train-1"));
        assertThat(s.size()).isEqualTo(16);
        assertThat(s.timeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.policy()).isEqualTo(InterNodePolicy.SAME_LEAF);
    }

    @Test
    void defaultsAndLabelsAndOwnerFallbacks() {
        GangSpec s = GangSpec.fromPod("ml", null, Map.of("gpusched.dev/gang", "g", "gpusched.dev/gang-size", "4"),
                Map.of("gpusched.dev/inter-node", "prefer-same-spine"));
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(s.policy()).isEqualTo(InterNodePolicy.PREFER_SAME_SPINE);
        GangSpec d = GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "g", "gpusched.dev/gang-size", "4"), null,
                null);
        assertThat(d.policy()).isEqualTo(InterNodePolicy.PREFER_NARROWEST);
    }

    @Test
    void podsOfNoGangGiveNull() {
        assertThat(GangSpec.fromPod("ml", Map.of("x", "y"), Map.of("kro.run/instance-name", "svc"), null)).isNull();
        assertThat(GangSpec.fromPod("ml", null, null, null)).isNull();
        // kro labels alone do not make a gang: the MLService must ask for it
        assertThat(GangSpec.fromPod("ml", Map.of(), Map.of("kro.run/instance-name", "svc",
                "kro.run/collection-size", "4"), Map.of("gpusched.dev/gang", "false"))).isNull();
    }

    @Test
    void readsTheKroLabelForm() {
        Map<String, String> kroLabels = Map.of("kro.run/instance-name", "llama-ft", "kro.run/collection-size", "8");
        GangSpec viaOwner = GangSpec.fromPod("ml", Map.of(), kroLabels,
                Map.of("gpusched.dev/gang", "true", "gpusched.dev/gang-timeout", "10m"));
        assertThat(viaOwner.key()).isEqualTo(new GangKey("ml", "llama-ft"));
        assertThat(viaOwner.size()).isEqualTo(8);
        assertThat(viaOwner.timeout()).isEqualTo(Duration.ofMinutes(10));
        GangSpec viaPod = GangSpec.fromPod("ml", Map.of("gpusched.dev/gang-from-kro", "true"), kroLabels, null);
        assertThat(viaPod.key().name()).isEqualTo("llama-ft");
        GangSpec copied = GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "true"), kroLabels, null);
        assertThat(copied.size()).isEqualTo(8);
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of(), Map.of("kro.run/instance-name", "llama-ft"),
                Map.of("gpusched.dev/gang", "true")))
                .hasMessageContaining("lacks label kro.run/collection-size");
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of("gpusched.dev/gang-from-kro", "true"), Map.of(), null))
                .hasMessageContaining("lacks label kro.run/instance-name");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "abc        | 'abc' is not a whole number",
            "0          | 0 is out of range; a gang needs 1..10000 members",
            "1e9        | '1e9' is not a whole number",
            "1000000000 | 1000000000 is out of range",
            "-3         | '-3' is not a whole number",
            "10001      | 10001 is out of range"})
    void rejectsAbsurdSizes(String size, String message) {
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "g", "gpusched.dev/gang-size",
                size), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gpusched.dev/gang-size")
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "forever | 'forever' is not a duration; write e.g. 300s, 5m or 1h30m",
            "0s      | '0s' is out of range",
            "25h     | '25h' is out of range",
            "5 min   | is not a duration",
            "-5s     | is not a duration"})
    void rejectsBadTimeouts(String timeout, String message) {
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "g", "gpusched.dev/gang-size",
                "2", "gpusched.dev/gang-timeout", timeout), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gpusched.dev/gang-timeout")
                .hasMessageContaining(message);
    }

    @Test
    void acceptsGoStyleAndPlainSecondTimeouts() {
        assertThat(GangSpec.parseTimeout("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GangSpec.parseTimeout("90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GangSpec.parseTimeout("2m30s")).isEqualTo(Duration.ofSeconds(150));
    }

    @Test
    void rejectsOtherMistakes() {
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "g"), null, null))
                .hasMessageContaining("has no gpusched.dev/gang-size");
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of("gpusched.dev/gang-size", "3"), null, null))
                .hasMessageContaining("has gpusched.dev/gang-size but no gpusched.dev/gang");
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "Train_1",
                "gpusched.dev/gang-size", "3"), null, null))
                .hasMessageContaining("'Train_1' is not a valid gang name");
        assertThatThrownBy(() -> GangSpec.fromPod("ml", Map.of("gpusched.dev/gang", "g", "gpusched.dev/gang-size",
                "3", "gpusched.dev/inter-node", "same-rack"), null, null))
                .hasMessageContaining("gpusched.dev/inter-node: unknown inter-node policy 'same-rack'; valid values:");
    }
}
