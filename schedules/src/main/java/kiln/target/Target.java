package kiln.target;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import kiln.diag.KilnError;

/**
 * What the generated code runs on, as data: back end kind, instruction set, board, threads.
 * Parsed from strings such as {@code "c"}, {@code "c -isa=avx2"}, {@code "c -board=cortex-m4"}.
 * Schedules and emitters read this; nothing else decides capabilities.
 */
public record Target(Kind kind, Isa isa, String board, int threads) {
    public enum Kind { C, CUDA, OPENCL }

    /** Vector instruction sets, with their fp32 lane counts (1 for scalar C). */
    public enum Isa {
        SCALAR(1), AVX2(8), AVX512(16), NEON(4), MVE(4);

        public final int lanes;

        Isa(int lanes) { this.lanes = lanes; }
    }

    /** Microcontroller boards with a firmware profile: CPU flags and the QEMU machine that runs them. */
    public record Board(String name, String cpuFlags, String qemuMachine) {}

    public static final List<Board> BOARDS = List.of(
            new Board("cortex-m4", "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard", "mps2-an386"),
            new Board("cortex-m7", "-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard", "mps2-an500"),
            new Board("cortex-m33", "-mcpu=cortex-m33 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard", "mps2-an505"),
            new Board("cortex-m55", "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard", "mps3-an547"));

    public Target {
        if (threads < 1) throw new KilnError("target: -threads must be at least 1");
        board = board == null ? "" : board;
        final String wanted = board;
        if (!board.isEmpty() && BOARDS.stream().noneMatch(b -> b.name().equals(wanted))) {
            throw new KilnError("unknown -board=" + board + "; known boards: "
                    + String.join(", ", BOARDS.stream().map(Board::name).toList()));
        }
        if (!board.isEmpty() && kind != Kind.C) throw new KilnError("-board applies to the c target only");
        if (!board.isEmpty() && threads != 1) throw new KilnError("-board targets run single-threaded; drop -threads");
    }

    /** The firmware board, when this is a microcontroller target (no malloc, no stdio, no threads, weights in flash). */
    public java.util.Optional<Board> firmwareBoard() {
        return BOARDS.stream().filter(b -> b.name().equals(board)).findFirst();
    }

    public static Target c() { return new Target(Kind.C, Isa.SCALAR, "", 1); }

    public static Target parse(String spec) {
        String[] parts = spec.trim().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty()) throw new KilnError("empty --target; use e.g. --target c");
        Kind kind = switch (parts[0]) {
            case "c" -> Kind.C;
            case "cuda" -> Kind.CUDA;
            case "opencl" -> Kind.OPENCL;
            default -> throw new KilnError("unknown target kind '" + parts[0] + "' in --target \"" + spec + "\"; use c, cuda or opencl");
        };
        Isa isa = Isa.SCALAR;
        String board = "";
        int threads = 1;
        for (int k = 1; k < parts.length; k++) {
            String p = parts[k];
            int eq = p.indexOf('=');
            if (!p.startsWith("-") || eq < 0) throw new KilnError("bad target option '" + p + "' in --target \"" + spec + "\"; options look like -isa=avx2");
            String key = p.substring(1, eq), val = p.substring(eq + 1);
            switch (key) {
                case "isa" -> isa = switch (val.toLowerCase(Locale.ROOT)) {
                    case "none", "scalar" -> Isa.SCALAR;
                    case "avx2" -> Isa.AVX2;
                    case "avx512" -> Isa.AVX512;
                    case "neon" -> Isa.NEON;
                    case "mve" -> Isa.MVE;
                    default -> throw new KilnError("unknown -isa=" + val + " in --target \"" + spec + "\"; use avx2, avx512, neon or mve");
                };
                case "board" -> board = val;
                case "threads" -> {
                    try {
                        threads = Integer.parseInt(val);
                    } catch (NumberFormatException e) {
                        throw new KilnError("-threads=" + val + " is not a number in --target \"" + spec + "\"");
                    }
                }
                case "arch" -> { }
                default -> throw new KilnError("unknown target option -" + key + " in --target \"" + spec + "\"; known: -isa, -board, -threads");
            }
        }
        return new Target(kind, isa, board, threads);
    }

    /** Byte alignment of arena and weight offsets. */
    public int alignment() { return 64; }

    /** The canonical spelling, as recorded in manifest.json. */
    @Override
    public String toString() {
        List<String> s = new ArrayList<>();
        s.add(kind.name().toLowerCase(Locale.ROOT));
        if (isa != Isa.SCALAR) s.add("-isa=" + isa.name().toLowerCase(Locale.ROOT));
        if (!board.isEmpty()) s.add("-board=" + board);
        if (threads != 1) s.add("-threads=" + threads);
        return String.join(" ", s);
    }
}
