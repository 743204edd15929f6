package org.pkt4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool's contract: every index exactly once, thread indices, nesting, failures, concurrent callers. */
class ExecutionContextTest {

    @Test
    void coversEveryIndexExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (ExecutionContext ctx = ExecutionContext.of(threads)) {
                for (int n : new int[] {0, 1, 2, 7, 64, 1000, 4097}) {
                    for (int grain : new int[] {0, 1, 3, 100, 5000}) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(1, n));
                        ctx.parallelFor(n, grain, (from, to) -> {
                            assertTrue(0 <= from && from < to && to <= n, "range [" + from + ", " + to + ") of " + n);
                            for (int i = from; i < to; i++) {
                                seen.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, seen.get(i), "index " + i + " of n=" + n + " grain=" + grain + " threads=" + threads);
                        }
                    }
                }
            }
        }
    }

    @Test
    void threadIndicesAreInRangeAndNeverShareAChunkAtOnce() {
        try (ExecutionContext ctx = ExecutionContext.of(3)) {
            AtomicIntegerArray busy = new AtomicIntegerArray(3);
            AtomicIntegerArray used = new AtomicIntegerArray(3);
            for (int rep = 0; rep < 200; rep++) {
                ctx.parallelFor(48, 1, (thread, from, to) -> {
                    assertTrue(thread >= 0 && thread < 3, "thread index " + thread);
                    assertEquals(0, busy.getAndIncrement(thread), "two chunks ran at once on index " + thread);
                    used.incrementAndGet(thread);
                    Thread.onSpinWait();
                    busy.decrementAndGet(thread);
                });
            }
            assertTrue(used.get(0) > 0, "the caller takes chunks too");
        }
    }

    @Test
    void nestedCallsRunInlineOnTheSameThreadIndex() {
        try (ExecutionContext ctx = ExecutionContext.of(2)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(16 * 16);
            ctx.parallelFor(16, 1, (outer, from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    ctx.parallelFor(16, 1, (inner, a, b) -> {
                        assertEquals(outer, inner, "a nested call runs on the thread that made it");
                        for (int j = a; j < b; j++) {
                            seen.incrementAndGet(row * 16 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < 256; i++) {
                assertEquals(1, seen.get(i), "cell " + i);
            }
        }
    }

    @Test
    void aFailureInAnyChunkReachesTheCallerAndThePoolStaysUsable() {
        try (ExecutionContext ctx = ExecutionContext.of(2)) {
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            IllegalArgumentException got = assertThrows(IllegalArgumentException.class, () -> ctx.parallelFor(100, 1, (from, to) -> {
                if (from <= 57 && 57 < to) {
                    throw boom;
                }
            }));
            assertSame(boom, got);
            AtomicIntegerArray seen = new AtomicIntegerArray(100);
            ctx.parallelFor(100, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    seen.incrementAndGet(i);
                }
            });
            for (int i = 0; i < 100; i++) {
                assertEquals(1, seen.get(i));
            }
        }
    }

    @Test
    void aStalledChunkDoesNotStopTheOthersAndAClosedPoolStillWorks() throws InterruptedException {
        ExecutionContext ctx = ExecutionContext.of(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(64);
        AtomicIntegerArray ranBy = new AtomicIntegerArray(64);
        java.util.concurrent.atomic.AtomicBoolean stalled = new java.util.concurrent.atomic.AtomicBoolean();
        ctx.parallelFor(64, 1, (thread, from, to) -> {
            for (int i = from; i < to; i++) {
                ranBy.set(i, thread);
            }
            // the worker's first chunk (the front of its group, the second half of the range) stalls
            if (thread == 1 && stalled.compareAndSet(false, true)) {
                try {
                    // stands in for a thread that lost its core for a while
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 64; i++) {
            assertEquals(1, seen.get(i));
        }
        // while the worker stalled in its group's first chunk, the caller must have taken the rest of that group
        int stolen = 0;
        for (int i = 32; i < 64; i++) {
            stolen += ranBy.get(i) == 0 ? 1 : 0;
        }
        assertTrue(stolen >= 24, "the caller ran only " + stolen + " of the 32 items in the stalled worker's group");
        ctx.close();
        AtomicIntegerArray after = new AtomicIntegerArray(10);
        ctx.parallelFor(10, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                after.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 10; i++) {
            assertEquals(1, after.get(i), "after close the caller does the work");
        }
    }

    @Test
    void twoCallerThreadsShareOneContext() throws InterruptedException {
        try (ExecutionContext ctx = ExecutionContext.of(2)) {
            long[] sums = new long[2];
            CountDownLatch start = new CountDownLatch(1);
            Thread[] callers = new Thread[2];
            for (int c = 0; c < 2; c++) {
                int id = c;
                callers[c] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int rep = 0; rep < 100; rep++) {
                        java.util.concurrent.atomic.AtomicLong s = new java.util.concurrent.atomic.AtomicLong();
                        ctx.parallelFor(1000, 10, (from, to) -> {
                            long local = 0;
                            for (int i = from; i < to; i++) {
                                local += i;
                            }
                            s.addAndGet(local);
                        });
                        sums[id] += s.get();
                    }
                });
                callers[c].start();
            }
            start.countDown();
            for (Thread t : callers) {
                t.join();
            }
            assertEquals(100L * 999 * 1000 / 2, sums[0]);
            assertEquals(100L * 999 * 1000 / 2, sums[1]);
        }
    }

    @Test
    void rejectsZeroThreads() {
        assertThrows(IllegalArgumentException.class, () -> ExecutionContext.of(0));
    }
}
