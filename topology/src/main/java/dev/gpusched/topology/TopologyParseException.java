package dev.gpusched.topology;

/** Topology text (nvidia-smi or the compact form) that could not be read; the message names the line and what was expected. */
public final class TopologyParseException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int line;

    /** @param line 1-based line number of the offending text (0 when the whole text is at fault) */
    public TopologyParseException(int line, String detail) {
        super(line > 0 ? "line " + line + ": " + detail : detail);
        this.line = line;
    }

    /** The 1-based line number of the offending text, 0 when the text as a whole is at fault (e.g. empty). */
    public int line() {
        return line;
    }
}
