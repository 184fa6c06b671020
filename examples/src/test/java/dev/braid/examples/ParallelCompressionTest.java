package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ParallelCompressionTest {

    @Test
    void everyArchiveDecompressesToItsOriginalAndNothingIsLeftOnDisk() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = countCompressionDirs(tmp);
        ParallelCompression.Result r = ParallelCompression.run(6, 50_000, 3);
        assertThat(r.files()).isEqualTo(6);
        assertThat(r.bytesIn()).isEqualTo(6 * 50_000L);
        assertThat(r.verified()).isEqualTo(6);
        assertThat(r.bytesOut()).isPositive().isLessThan(r.bytesIn()); // text compresses
        assertThat(countCompressionDirs(tmp)).isEqualTo(before);
    }

    private static long countCompressionDirs(Path tmp) throws Exception {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("braid-compression-")).count();
        }
    }
}
