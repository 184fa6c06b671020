package dev.braid.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.braid.testkit.ManualTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TickerTest {

    @Test
    void systemTickerIsASingletonThatNeverGoesBack() {
        Ticker ticker = Ticker.system();
        assertThat(Ticker.system()).isSameAs(ticker);
        long previous = ticker.read();
        for (int i = 0; i < 10_000; i++) {
            long now = ticker.read();
            assertThat(now - previous).isGreaterThanOrEqualTo(0);
            previous = now;
        }
    }

    @Test
    void systemTickerFollowsNanoTime() {
        long before = System.nanoTime();
        long reading = Ticker.system().read();
        long after = System.nanoTime();
        assertThat(reading - before).isGreaterThanOrEqualTo(0);
        assertThat(after - reading).isGreaterThanOrEqualTo(0);
    }

    @Test
    void manualTickerMovesOnlyWhenAdvancedAndComparesAcrossAWrap() {
        ManualTicker ticker = new ManualTicker(Long.MAX_VALUE - 5);
        long start = ticker.read();
        assertThat(ticker.read()).isEqualTo(start);
        ticker.advance(Duration.ofNanos(10));
        // The raw value wrapped negative; the difference is still right.
        assertThat(ticker.read()).isNegative();
        assertThat(ticker.read() - start).isEqualTo(10);
        assertThatThrownBy(() -> ticker.advance(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
