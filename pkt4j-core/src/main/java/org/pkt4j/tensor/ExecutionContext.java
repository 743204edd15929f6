package org.pkt4j.tensor;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The explicit execution context every kernel takes: the number of threads and the pool that runs
 * them. Workers park between jobs after a brief bounded poll ({@link #SPIN_NANOS}; no open-ended
 * spin-waiting: on a machine shared with other processes a spinning worker burns the time slice another
 * process, or our own caller, needs). A job is split into more
 * chunks than threads, dealt out as one contiguous group per thread from which the others steal when they
 * run out (see {@code Job}), so a thread that loses its core to another process delays only the chunk it
 * holds while the others take the rest; the caller works too, so a worker that wakes late costs nothing but
 * its share.
 */
public final class ExecutionContext implements AutoCloseable {

    /** A body over the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * A body over [from, to) that also gets the index, in [0, threads()), of the thread running it: the
     * caller is 0. Within one call, chunks with the same index run one after another, never at once, so
     * scratch buffers the call allocates per index need no locking.
     */
    @FunctionalInterface
    public interface ThreadRangeBody {
        void run(int thread, int from, int to);
    }

    /**
     * How long an idle worker (and a caller waiting for the last chunk) polls before it parks. Decode makes ~40
     * short parallel calls per token, ~50 µs apart: a worker that parked after each had to be woken for the
     * next (tens of µs, more when the other core is busy), so two threads decoded no faster than one
     * (stories15M F32: ~510 tokens/s with 2 threads against ~890 for llama2.c in the same minutes; ~725 with
     * this poll, ~775 with ten times as long). Bounded, so a worker whose core another process wants still
     * parks within 50 µs rather than spinning like OpenMP's peers.
     */
    static final long SPIN_NANOS = 50_000;

    /** Chunks per thread: enough that a preempted thread holds back little of a job, few enough to stay cheap. */
    static final int CHUNKS_PER_THREAD = 8;

    private static final ExecutionContext SINGLE = new ExecutionContext(1);

    private final int threads;
    private final Worker[] workers;
    /**
     * The thread that is running a job of this context as its caller, null between jobs: a call from it (or
     * from a worker) runs inline. Written only by the caller, under the dispatch lock; other threads may read
     * it unsynchronized, harmlessly, since it never equals them. (A thread-local marker allocated a weak entry
     * per call.)
     */
    private Thread caller;

    private volatile Job job;
    private final Object dispatchLock = new Object();

    private ExecutionContext(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** A context that runs everything on the calling thread. */
    public static ExecutionContext singleThreaded() {
        return SINGLE;
    }

    /** A context with {@code threads} threads (the caller plus threads-1 parked workers). */
    public static ExecutionContext of(int threads) {
        return threads == 1 ? SINGLE : new ExecutionContext(threads);
    }

    public int threads() {
        return threads;
    }

    /** A seeded random generator for a named purpose; the same seed and purpose give the same stream. */
    public static SplittableRandom rng(long seed) {
        return new SplittableRandom(seed);
    }

    /**
     * Runs {@code body} over [0, n) split into chunks of at least {@code grain} items, on all threads,
     * and returns when every chunk is done. Calls from inside a running job execute inline.
     */
    public void parallelFor(int n, int grain, RangeBody body) {
        parallelFor(n, grain, (thread, from, to) -> body.run(from, to));
    }

    /** {@link #parallelFor(int, int, RangeBody)} telling each chunk which thread runs it. */
    public void parallelFor(int n, int grain, ThreadRangeBody body) {
        if (n <= 0) {
            return;
        }
        long g = Math.max(1, grain);
        int maxChunks = (int) Math.min(Integer.MAX_VALUE, (n + g - 1) / g);
        int self = self();
        if (threads == 1 || maxChunks == 1 || self >= 0) {
            body.run(Math.max(self, 0), 0, n);
            return;
        }
        int chunks = Math.min(maxChunks, threads * CHUNKS_PER_THREAD);
        synchronized (dispatchLock) {
            Job j = new Job(n, chunks, threads, body);
            job = j;
            for (Worker w : workers) {
                LockSupport.unpark(w.thread);
            }
            caller = Thread.currentThread();
            try {
                j.work(0);
            } finally {
                caller = null;
            }
            j.awaitDone();
            job = null;
            if (j.failure != null) {
                if (j.failure instanceof RuntimeException re) {
                    throw re;
                }
                if (j.failure instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(j.failure);
            }
        }
    }

    /** The index of the current thread if it runs a job of this context now (the caller 0, a worker its id), else -1. */
    private int self() {
        Thread t = Thread.currentThread();
        if (t == caller) {
            return 0;
        }
        for (Worker w : workers) {
            if (w.thread == t) {
                return w.id;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.stop = true;
            LockSupport.unpark(w.thread);
        }
    }

    /**
     * One parallelFor call. Its chunks are dealt out in {@code threads} contiguous groups, one per thread:
     * each thread takes the chunks of its own group from the front, in order, then steals what is left of the
     * others' groups from their backs. A thread therefore streams one contiguous stretch of memory (with chunks
     * handed out in turn, two-thread decode ran ~15% slower, stories15M F32 ~690 against ~790 tokens/s: each
     * chunk presumably restarted the hardware prefetcher),
     * its claims touch only its own group's cache line unless it steals, and a thread that loses its core holds
     * back only the chunk it is running: the others take the rest of its group.
     */
    private static final class Job {
        /** Longs per padded slot: 64 bytes, so no two slots (nor the array header) share a cache line. */
        private static final int PAD = 8;

        final int n;
        final int chunks;
        final int groups;
        final ThreadRangeBody body;
        /**
         * Slot g + 1 (at (g + 1)·PAD) holds group g's unclaimed chunks [lo, hi) as lo·2³² + hi; slot 0 counts
         * the chunks finished (each thread adds its count once, when it runs out of chunks to take).
         */
        final AtomicLongArray slots;
        final Thread owner = Thread.currentThread();
        volatile Throwable failure;

        Job(int n, int chunks, int groups, ThreadRangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.groups = groups;
            this.body = body;
            this.slots = new AtomicLongArray((groups + 2) * PAD);
            for (int g = 0; g < groups; g++) {
                long lo = (long) chunks * g / groups, hi = (long) chunks * (g + 1) / groups;
                slots.setPlain((g + 1) * PAD, lo << 32 | hi);
            }
        }

        /** Runs chunks until none is left: its own group's from the front, then the others' from the back. */
        void work(int thread) {
            final int n = this.n, chunks = this.chunks;
            final ThreadRangeBody body = this.body;
            int finished = 0;
            try {
                for (int k = 0; k < groups; k++) {
                    int g = (thread + k) % groups;
                    int c;
                    while ((c = claim(g, k == 0)) >= 0) {
                        try {
                            if (failure == null) {
                                long from = (long) n * c / chunks;
                                long to = (long) n * (c + 1) / chunks;
                                body.run(thread, (int) from, (int) to);
                            }
                        } catch (Throwable t) {
                            failure = t;
                        }
                        finished++;
                    }
                }
            } finally {
                if (finished > 0 && slots.addAndGet(0, finished) == chunks) {
                    LockSupport.unpark(owner);
                }
            }
        }

        /** Takes the first (or last) unclaimed chunk of group g, or returns -1 when it has none. */
        private int claim(int g, boolean front) {
            int at = (g + 1) * PAD;
            while (true) {
                long v = slots.get(at);
                int lo = (int) (v >>> 32), hi = (int) v;
                if (lo >= hi) {
                    return -1;
                }
                long next = front ? (long) (lo + 1) << 32 | hi : (long) lo << 32 | (hi - 1);
                if (slots.compareAndSet(at, v, next)) {
                    return front ? lo : hi - 1;
                }
            }
        }

        void awaitDone() {
            long t0 = System.nanoTime();
            while (slots.get(0) < chunks) {
                if (System.nanoTime() - t0 < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    private final class Worker implements Runnable {
        final Thread thread;
        final int id;
        volatile boolean stop;
        private Job last;

        Worker(int id) {
            this.id = id;
            thread = new Thread(this, "pkt4j-worker-" + id);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            long idleSince = System.nanoTime();
            while (!stop) {
                Job j = job;
                if (j != null && j != last) {
                    last = j;
                    j.work(id);
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }
}
