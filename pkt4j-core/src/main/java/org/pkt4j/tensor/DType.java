package org.pkt4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/** Storage dtypes pkt4j reads and writes, with their safetensors names. Little-endian throughout. */
public enum DType {
    F32(4), F16(2), BF16(2), I64(8), I32(4);

    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED;

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The safetensors spelling ("F32", "BF16", ...). */
    public String safetensorsName() {
        return name();
    }

    /** Parses a safetensors dtype; null when unsupported (the caller names the file and tensor). */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Parses a config.json / CLI spelling: float32, float16, bfloat16, f32, bf16, ... */
    public static DType fromTorchName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "f32", "float", "fp32" -> F32;
            case "float16", "f16", "half", "fp16" -> F16;
            case "bfloat16", "bf16" -> BF16;
            default -> throw new IllegalArgumentException(
                    "unsupported dtype '" + name + "': expected float32, float16 or bfloat16");
        };
    }

    public String torchName() {
        return switch (this) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case I64 -> "int64";
            case I32 -> "int32";
        };
    }

    /** Element {@code index} of a segment of this dtype, widened to float. */
    public float getFloat(MemorySegment seg, long index) {
        return switch (this) {
            case F32 -> seg.getAtIndex(F32_LE, index);
            case BF16 -> bf16ToFloat(seg.getAtIndex(I16_LE, index));
            case F16 -> Float.float16ToFloat(seg.getAtIndex(I16_LE, index));
            case I64 -> seg.getAtIndex(I64_LE, index);
            case I32 -> seg.getAtIndex(I32_LE, index);
        };
    }

    /** Stores {@code value} rounded to this dtype (round to nearest even for F16/BF16). */
    public void setFloat(MemorySegment seg, long index, float value) {
        switch (this) {
            case F32 -> seg.setAtIndex(F32_LE, index, value);
            case BF16 -> seg.setAtIndex(I16_LE, index, floatToBf16(value));
            case F16 -> seg.setAtIndex(I16_LE, index, Float.floatToFloat16(value));
            case I64 -> seg.setAtIndex(I64_LE, index, (long) value);
            case I32 -> seg.setAtIndex(I32_LE, index, (int) value);
        }
    }

    public long getLong(MemorySegment seg, long index) {
        return switch (this) {
            case I64 -> seg.getAtIndex(I64_LE, index);
            case I32 -> seg.getAtIndex(I32_LE, index);
            default -> throw new IllegalStateException("not an integer dtype: " + this);
        };
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float -> bfloat16 with round-to-nearest-even, NaN kept quiet (as torch does). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
