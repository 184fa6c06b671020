package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseInsertsTest {

    @Test
    void everyRowReachesTheDatabaseBothWays() throws Exception {
        DatabaseInserts.Result r = DatabaseInserts.run(250, 3);
        assertThat(r.rowAtATimeRows()).isEqualTo(250);
        assertThat(r.batchedRows()).isEqualTo(250);
        assertThat(r.failedBatches()).isZero();
        assertThat(r.perThreadConnections()).isEqualTo(3); // one connection per worker thread
        assertThat(r.batches()).isGreaterThanOrEqualTo(3); // at most 100 rows a batch
    }
}
