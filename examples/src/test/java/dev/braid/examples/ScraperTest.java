package dev.braid.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScraperTest {

    @Test
    void fastPagesAreScrapedAndTheSlowOnesTimeOutCleanly() throws Exception {
        // Pages 9 and 19 never answer; the 18 others are tiny and local, so the generous
        // deadline is only ever reached by the two slow ones.
        Scraper.Result r = Scraper.run(20, 10, 4, Duration.ofSeconds(3));
        assertThat(r.hitDeadline()).isTrue();
        assertThat(r.scraped()).isEqualTo(18);
        assertThat(r.timedOut()).containsExactly("/page/9", "/page/19");
        assertThat(r.failed()).isZero();
        assertThat(r.distinctLinks()).isEqualTo(20);
        assertThat(r.maxInFlight()).isBetween(1, 4);
    }

    @Test
    void jsoupExtractsTitleAndAbsoluteLinks() {
        Scraper.Page page = Scraper.parse(URI.create("http://127.0.0.1:1/page/3"), Scraper.html(3, 5));
        assertThat(page.title()).isEqualTo("Page 3 of the local site");
        assertThat(page.links()).containsExactly("http://127.0.0.1:1/page/4", "http://127.0.0.1:1/page/0",
                "http://127.0.0.1:1/page/1");
    }
}
