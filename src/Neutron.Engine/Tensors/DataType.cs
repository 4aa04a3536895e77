// Element types, numbered as ONNX TensorProto.DataType so a model's codes map one to one.
namespace Neutron.Engine.Tensors;

public enum DataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
}

public static class DataTypes
{
    /// <summary>Float-like types are held as float32 in memory; the others as int64.</summary>
    public static bool IsFloating(this DataType type) =>
        type is DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16;

    public static bool IsSupported(this DataType type) =>
        type is DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16
            or DataType.UInt8 or DataType.Int8 or DataType.UInt16 or DataType.Int16
            or DataType.Int32 or DataType.Int64 or DataType.Bool or DataType.UInt32 or DataType.UInt64;

    public static string Name(this DataType type) => type switch
    {
        DataType.Float => "float32",
        DataType.Double => "float64",
        DataType.Float16 => "float16",
        DataType.BFloat16 => "bfloat16",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Wraps an integer into the range of <paramref name="type"/> as a C cast does.</summary>
    public static long WrapInteger(this DataType type, long value) => type switch
    {
        DataType.UInt8 => (byte)value,
        DataType.Int8 => (sbyte)value,
        DataType.UInt16 => (ushort)value,
        DataType.Int16 => (short)value,
        DataType.Int32 => (int)value,
        DataType.UInt32 => (uint)value,
        DataType.Bool => value != 0 ? 1 : 0,
        _ => value,
    };

    /// <summary>Rounds a float32 to what <paramref name="type"/> can hold (float16 and bfloat16 lose precision).</summary>
    public static float RoundFloat(this DataType type, float value) => type switch
    {
        DataType.Float16 => (float)(Half)value,
        DataType.BFloat16 => BFloat16.ToFloat(BFloat16.FromFloat(value)),
        _ => value,
    };
}

/// <summary>bfloat16: the high 16 bits of a float32, rounded to nearest even.</summary>
public static class BFloat16
{
    public static ushort FromFloat(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static float ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
