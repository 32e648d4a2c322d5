package dev.gpusched.topology.cluster;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InterNodePolicyTest {

    @Test
    void parsesEveryAnnotationValue() {
        assertThat(InterNodePolicy.parse("same-leaf")).isEqualTo(InterNodePolicy.SAME_LEAF);
        assertThat(InterNodePolicy.parse(" Prefer-Same-Clique ")).isEqualTo(InterNodePolicy.PREFER_SAME_CLIQUE);
        assertThat(InterNodePolicy.parse("any")).isEqualTo(InterNodePolicy.ANY);
        assertThat(InterNodePolicy.parse(null)).isEqualTo(InterNodePolicy.PREFER_NARROWEST);
        assertThat(InterNodePolicy.parse("")).isEqualTo(InterNodePolicy.DEFAULT);
        for (InterNodePolicy p : InterNodePolicy.values()) {
            assertThat(InterNodePolicy.parse(p.value())).isEqualTo(p);
        }
        assertThat(InterNodePolicy.SAME_SPINE.required()).isTrue();
        assertThat(InterNodePolicy.PREFER_SAME_SPINE.required()).isFalse();
        assertThat(InterNodePolicy.PREFER_SAME_SPINE.levelWord()).isEqualTo("spine");
    }

    @Test
    void badValueListsTheValidOnes() {
        assertThatThrownBy(() -> InterNodePolicy.parse("same-rack"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'same-rack'")
                .hasMessageContaining("same-clique, same-leaf, same-spine, same-zone, prefer-same-clique");
    }
}
