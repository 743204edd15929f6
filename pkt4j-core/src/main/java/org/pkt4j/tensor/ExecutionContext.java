package org.pkt4j.tensor;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The explicit execution context every kernel takes: the number of threads and the pool that runs
 * them. Workers park between jobs (no spin-waiting), and a job is split into more chunks than threads
 * and handed out dynamically, so a thread that loses its core to another process delays only the
 * chunk it holds rather than the whole job.
 */
public final class ExecutionContext implements AutoCloseable {

    /** A body over the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final ExecutionContext SINGLE = new ExecutionContext(1);

    private final int threads;
    private final Worker[] workers;
    private final ThreadLocal<Boolean> inJob = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private volatile Job job;
    private final Object dispatchLock = new Object();

    private ExecutionContext(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
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
        if (n <= 0) {
            return;
        }
        int maxChunks = (n + Math.max(1, grain) - 1) / Math.max(1, grain);
        if (threads == 1 || maxChunks == 1 || inJob.get()) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(maxChunks, threads * 4);
        synchronized (dispatchLock) {
            Job j = new Job(n, chunks, body);
            job = j;
            for (Worker w : workers) {
                LockSupport.unpark(w.thread);
            }
            inJob.set(Boolean.TRUE);
            try {
                j.work();
            } finally {
                inJob.set(Boolean.FALSE);
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

    @Override
    public void close() {
        for (Worker w : workers) {
            w.stop = true;
            LockSupport.unpark(w.thread);
        }
    }

    private static final class Job {
        final int n;
        final int chunks;
        final RangeBody body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final Thread owner = Thread.currentThread();
        volatile Throwable failure;

        Job(int n, int chunks, RangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    if (failure == null) {
                        long from = (long) n * c / chunks;
                        long to = (long) n * (c + 1) / chunks;
                        body.run((int) from, (int) to);
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    if (done.incrementAndGet() == chunks) {
                        LockSupport.unpark(owner);
                    }
                }
            }
        }

        void awaitDone() {
            while (done.get() < chunks) {
                LockSupport.park(this);
            }
        }
    }

    private final class Worker implements Runnable {
        final Thread thread;
        volatile boolean stop;
        private Job last;

        Worker(int index) {
            thread = new Thread(this, "pkt4j-worker-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            inJob.set(Boolean.TRUE);
            while (!stop) {
                Job j = job;
                if (j != null && j != last) {
                    last = j;
                    j.work();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }
}
