package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TourTest {

    @Test
    void theTourShowsEveryScenarioOnceInOrder() {
        assertThat(Tour.examples().keySet()).containsExactly("EchoServer", "ChatServer", "Downloader", "Scraper",
                "RateLimitedClient", "ImagePipeline", "DatabaseInserts", "SensorPipeline", "ModelPerThread", "CpuVsIo",
                "RaceCondition", "AsyncioStyle", "ParallelCompression", "PriorityTaskManager");
        List<Integer> numbers = Tour.examples().values().stream().map(Tour.Example::number).toList();
        assertThat(numbers).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    }

    @Test
    void runsOneExampleByNameIgnoringCase() {
        // RaceCondition is the quickest example.
        assertThat(Tour.tour(new String[] {"racecondition"})).isZero();
    }

    @Test
    void anUnknownNameIsRefused() {
        assertThat(Tour.tour(new String[] {"NoSuchExample"})).isEqualTo(2);
    }
}
