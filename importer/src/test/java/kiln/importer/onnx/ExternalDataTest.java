package kiln.importer.onnx;

import static kiln.importer.onnx.ProtoFixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import kiln.diag.KilnError;
import kiln.importer.onnx.proto.OnnxProto.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** External tensor data: read from inside the model's folder, refused anywhere else. */
class ExternalDataTest {
    @TempDir
    Path tmp;

    private Path modelDir;
    private Path outside;

    private void folders() throws IOException {
        modelDir = Files.createDirectories(tmp.resolve("model"));
        outside = Files.createDirectories(tmp.resolve("elsewhere"));
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    private static long[] dims(long... d) {
        return d;
    }

    private Path model(TensorProto t) throws IOException {
        return write(modelDir, graphWith(t).build());
    }

    private KilnError rejected(TensorProto t) throws IOException {
        Path m = model(t);
        return assertThrows(KilnError.class, () -> OnnxLoader.load(m));
    }

    @Test
    void readsWithOffsetAndLengthAndFromSubfolders() throws Exception {
        folders();
        byte[] blob = new byte[5 + 12 + 8];
        System.arraycopy(floats(1.5f, -2f, 3.25f), 0, blob, 5, 12);
        System.arraycopy(floats(7f, 8f), 0, blob, 17, 8);
        Files.write(modelDir.resolve("weights.bin"), blob);
        Files.createDirectories(modelDir.resolve("data"));
        Files.write(modelDir.resolve("data/w2.bin"), floats(4f, 5f, 6f, 7f));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(floats(7f, 8f)));
        Path m = write(modelDir, graphWith(
                external("a", FLOAT, dims(3), "location", "weights.bin", "offset", "5", "length", "12").build(),
                external("b", FLOAT, dims(2), "location", "weights.bin", "offset", "17", "checksum", sha).build(),
                external("c", FLOAT, dims(2, 2), "location", "data/w2.bin").build(),
                external("d", FLOAT, dims(1), "location", "./data/w2.bin", "offset", "12", "length", "4").build())
                .build());
        var init = OnnxLoader.load(m).graph().initializers();
        assertArrayEquals(new double[] {1.5, -2, 3.25}, init.get("a").toDoubleArray());
        assertArrayEquals(new double[] {7, 8}, init.get("b").toDoubleArray());
        assertArrayEquals(new double[] {4, 5, 6, 7}, init.get("c").toDoubleArray());
        assertArrayEquals(new double[] {7}, init.get("d").toDoubleArray());
    }

    @Test
    void worksWhenTheModelFolderIsReachedThroughASymlink() throws IOException {
        folders();
        Files.write(modelDir.resolve("w.bin"), floats(1f, 2f));
        Path link = Files.createSymbolicLink(tmp.resolve("linked"), modelDir);
        write(modelDir, graphWith(external("w", FLOAT, dims(2), "location", "w.bin").build()).build());
        var init = OnnxLoader.load(link.resolve("model.onnx")).graph().initializers();
        assertArrayEquals(new double[] {1, 2}, init.get("w").toDoubleArray());
    }

    @Test
    void rejectsDotDotEscape() throws IOException {
        folders();
        Files.write(tmp.resolve("x.bin"), floats(1f)); // exists, so only the escape can be the reason
        KilnError e = rejected(external("secret", FLOAT, dims(1), "location", "../x.bin").build());
        assertTrue(e.getMessage().contains("'secret'") && e.getMessage().contains("'..'"), e.getMessage());
        KilnError nested = rejected(external("s2", FLOAT, dims(1), "location", "sub/../../x.bin").build());
        assertTrue(nested.getMessage().contains("'s2'") && nested.getMessage().contains("'..'"), nested.getMessage());
    }

    @Test
    void rejectsAbsolutePath() throws IOException {
        folders();
        Path target = Files.write(outside.resolve("abs.bin"), floats(1f));
        KilnError e = rejected(external("abs_w", FLOAT, dims(1), "location", target.toString()).build());
        assertTrue(e.getMessage().contains("'abs_w'") && e.getMessage().contains("absolute path"), e.getMessage());
        KilnError inside = rejected(external("abs_in", FLOAT, dims(1), "location",
                modelDir.toAbsolutePath().resolve("w.bin").toString()).build());
        assertTrue(inside.getMessage().contains("absolute path"), inside.getMessage());
    }

    @Test
    void rejectsSymlinksLeavingTheFolder() throws IOException {
        folders();
        Path target = Files.write(outside.resolve("leak.bin"), floats(1f));
        Files.createSymbolicLink(modelDir.resolve("link.bin"), target);
        KilnError e = rejected(external("linked_w", FLOAT, dims(1), "location", "link.bin").build());
        assertTrue(e.getMessage().contains("'linked_w'") && e.getMessage().contains("symbolic link")
                && e.getMessage().contains("outside the model's folder"), e.getMessage());
        Files.createSymbolicLink(modelDir.resolve("subdir"), outside);
        KilnError dirLink = rejected(external("dir_w", FLOAT, dims(1), "location", "subdir/leak.bin").build());
        assertTrue(dirLink.getMessage().contains("'dir_w'") && dirLink.getMessage().contains("outside the model's folder"),
                dirLink.getMessage());
    }

    @Test
    void symlinkStayingInsideIsFine() throws IOException {
        folders();
        Files.createDirectories(modelDir.resolve("real"));
        Path target = Files.write(modelDir.resolve("real/w.bin"), floats(3f));
        Files.createSymbolicLink(modelDir.resolve("alias.bin"), target);
        var init = OnnxLoader.load(model(external("w", FLOAT, dims(1), "location", "alias.bin").build()))
                .graph().initializers();
        assertArrayEquals(new double[] {3}, init.get("w").toDoubleArray());
    }

    @Test
    void missingShortAndMalformedDataNameTensorAndFile() throws IOException {
        folders();
        KilnError missing = rejected(external("gone", FLOAT, dims(2), "location", "nothere.bin").build());
        assertTrue(missing.getMessage().contains("'gone'") && missing.getMessage().contains("nothere.bin")
                && missing.getMessage().contains("does not exist"), missing.getMessage());

        Files.write(modelDir.resolve("short.bin"), floats(1f));
        KilnError shortFile = rejected(external("big", FLOAT, dims(2), "location", "short.bin").build());
        assertTrue(shortFile.getMessage().contains("'big'") && shortFile.getMessage().contains("short.bin")
                && shortFile.getMessage().contains("only 4 bytes"), shortFile.getMessage());

        KilnError pastEnd = rejected(external("off", FLOAT, dims(1), "location", "short.bin", "offset", "4").build());
        assertTrue(pastEnd.getMessage().contains("'off'") && pastEnd.getMessage().contains("short.bin"),
                pastEnd.getMessage());

        KilnError badLen = rejected(external("len", FLOAT, dims(1), "location", "short.bin", "length", "8").build());
        assertTrue(badLen.getMessage().contains("'len'") && badLen.getMessage().contains("length 8"),
                badLen.getMessage());

        KilnError badOffset = rejected(external("o", FLOAT, dims(1), "location", "short.bin", "offset", "x").build());
        assertTrue(badOffset.getMessage().contains("offset 'x'"), badOffset.getMessage());

        KilnError noLocation = rejected(external("nl", FLOAT, dims(1)).build());
        assertTrue(noLocation.getMessage().contains("'nl'") && noLocation.getMessage().contains("location"),
                noLocation.getMessage());

        Files.createDirectories(modelDir.resolve("adir"));
        KilnError dir = rejected(external("d", FLOAT, dims(1), "location", "adir").build());
        assertTrue(dir.getMessage().contains("not a regular file"), dir.getMessage());

        KilnError sum = rejected(external("sum", FLOAT, dims(1), "location", "short.bin", "checksum",
                "0000000000000000000000000000000000000000").build());
        assertTrue(sum.getMessage().contains("'sum'") && sum.getMessage().contains("SHA-1"), sum.getMessage());
    }
}
