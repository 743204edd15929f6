package org.pkt4j.transfer;

/**
 * CPython's {@code random} module, as far as LaTen's reference scripts use it: the MT19937 generator seeded
 * as {@code random.seed(n)} seeds it for an integer n, {@code getrandbits(k)} for k ≤ 32, and
 * {@code random.sample(range(n), k)}. {@code train_LaTen.py} draws each step's align examples with
 * {@code random.seed(step); random.sample(range(len(align)), 15)} and {@code inference_LaTen.py} its fuse
 * example with {@code random.seed(seed); random.sample(range(len(data)), 1)}; this class reproduces those
 * index streams exactly (checked against CPython 3.11 in the tests).
 *
 * <p>What it cannot reproduce: {@code train_LaTen.py} first shuffles both data sets with Hugging Face
 * {@code datasets}' {@code shuffle()} (seeded from NumPy's global state), so the reference's k-th extract
 * example and its sampled align indices refer to shuffled copies. pkt4j uses the files in their order.
 */
public final class PythonRandom {
    private static final int N = 624;
    private static final int M = 397;

    private final int[] mt = new int[N];
    private int mti;

    /** {@code random.seed(seed)} for an integer seed (CPython seeds with the 32-bit words of |seed|). */
    public PythonRandom(long seed) {
        long n = Math.abs(seed);
        if (n < 0) {
            throw new IllegalArgumentException("seed " + seed + " has no absolute value in a long");
        }
        int words = n == 0 ? 1 : (64 - Long.numberOfLeadingZeros(n) + 31) / 32;
        int[] key = new int[words];
        for (int i = 0; i < words; i++) {
            key[i] = (int) (n >>> (32 * i));
        }
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (mti = 1; mti < N; mti++) {
            mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
        }
    }

    /** init_by_array of the MT19937 reference code (all arithmetic mod 2^32, which int overflow gives). */
    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) {
                j = 0;
            }
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
        mti = N;
    }

    /** The next 32 random bits (genrand_uint32), as an unsigned value. */
    public long nextUint32() {
        if (mti >= N) {
            for (int kk = 0; kk < N; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % N] & 0x7fffffff);
                mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            mti = 0;
        }
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** {@code getrandbits(k)} for 1 ≤ k ≤ 32: the top k bits of one 32-bit draw. */
    public long getrandbits(int k) {
        if (k < 1 || k > 32) {
            throw new IllegalArgumentException("getrandbits supports 1..32 bits here, got " + k);
        }
        return nextUint32() >>> (32 - k);
    }

    /** {@code _randbelow(n)}: rejection sampling on n.bit_length() bits. */
    public int randbelow(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("randbelow needs n >= 1, got " + n);
        }
        int k = 32 - Integer.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) {
            r = getrandbits(k);
        }
        return (int) r;
    }

    /**
     * {@code random.sample(range(n), k)}: k distinct indices in draw order. CPython picks from a shrinking
     * pool when n is small relative to k, else re-draws collisions against a set; both paths are reproduced.
     */
    public int[] sample(int n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("sample of " + k + " from a population of " + n + ": expected 0 <= k <= n");
        }
        int[] out = new int[k];
        int setsize = 21;
        if (k > 5) {
            setsize += (int) Math.pow(4, Math.ceil(Math.log(k * 3) / Math.log(4)));
        }
        if (n <= setsize) {
            int[] pool = new int[n];
            for (int i = 0; i < n; i++) {
                pool[i] = i;
            }
            for (int i = 0; i < k; i++) {
                int j = randbelow(n - i);
                out[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
        } else {
            java.util.Set<Integer> selected = new java.util.HashSet<>();
            for (int i = 0; i < k; i++) {
                int j = randbelow(n);
                while (selected.contains(j)) {
                    j = randbelow(n);
                }
                selected.add(j);
                out[i] = j;
            }
        }
        return out;
    }
}
