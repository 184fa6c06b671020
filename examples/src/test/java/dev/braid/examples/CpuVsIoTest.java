package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuVsIoTest {

    @Test
    void theCpuTaskCountsPrimes() {
        assertThat(CpuVsIo.countPrimes(100)).isEqualTo(25);
        assertThat(CpuVsIo.countPrimes(10_000)).isEqualTo(1229);
    }

    @Test
    void everyModelRunsEveryTaskForEveryWorkerCount() throws Exception {
        List<CpuVsIo.Row> rows = CpuVsIo.run(6, new int[] {1, 3}, 2_000, Duration.ofMillis(2));
        int models = CpuVsIo.virtualThreadsAvailable() ? 3 : 2;
        assertThat(rows).hasSize(2 * (1 + models * 2));
        assertThat(rows).allSatisfy(row -> assertThat(row.completed()).isEqualTo(6));
        assertThat(rows).extracting(CpuVsIo.Row::task).containsOnly("cpu", "io");
        assertThat(rows).filteredOn(r -> !r.model().equals("sequential"))
                .extracting(CpuVsIo.Row::workers).containsOnly(1, 3);
        assertThat(rows.stream().anyMatch(r -> r.model().equals("virtual threads")))
                .isEqualTo(Runtime.version().feature() >= 21);
    }
}
