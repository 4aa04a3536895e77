// TensorProto <-> Tensor: raw_data (little-endian) and the typed fields, external data resolved inside the
// model's folder only. Writing uses raw_data, which every ONNX reader accepts.
using System.Buffers.Binary;
using Google.Protobuf;
using Neutron.Engine.Onnx.Proto;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Onnx;

public static class TensorProtoConverter
{
    public static Tensor ToTensor(TensorProto proto, string where, string? modelFolder)
    {
        var type = (DataType)proto.DataType;
        if (!type.IsSupported())
            throw new ModelException(ModelErrorCode.UnsupportedDataType, $"{where}: tensor '{proto.Name}' has unsupported data type {proto.DataType} ({type})");
        var shape = new int[proto.Dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0 || d > int.MaxValue)
                throw new OnnxFormatException($"{where}: tensor '{proto.Name}' has invalid dimension {d} at axis {i}");
            shape[i] = (int)d;
        }
        // Sizes are checked against what the proto holds before anything is allocated.
        int count = ElementCount(shape, $"{where}: tensor '{proto.Name}'");
        int width = ElementSize(type);
        long expected = (long)count * width;

        if (proto.DataLocation == 1)
        {
            long declared = proto.ExternalData.FirstOrDefault(e => e.Key == "length") is { } l
                && long.TryParse(l.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) ? n : -1;
            if (declared >= 0 && declared != expected)
                throw new OnnxFormatException($"{where}: tensor '{proto.Name}' of shape {ShapeUtil.Format(shape)} needs {expected} bytes of {type.Name()}, its external data length says {declared}");
            var external = ReadExternal(proto, where, modelFolder, expected);
            var fromFile = Tensor.Zeros(type, shape);
            DecodeRaw(external, type, fromFile);
            return fromFile;
        }
        if (proto.HasRawData)
        {
            var raw = proto.RawData.Span;
            if (raw.Length != expected)
                throw new OnnxFormatException($"{where}: tensor '{proto.Name}' of shape {ShapeUtil.Format(shape)} needs {expected} bytes of {type.Name()}, raw_data holds {raw.Length}");
            var tensor = Tensor.Zeros(type, shape);
            DecodeRaw(raw, type, tensor);
            return tensor;
        }

        int available = type switch
        {
            DataType.Float => proto.FloatData.Count,
            DataType.Double => proto.DoubleData.Count,
            DataType.Int64 => proto.Int64Data.Count,
            DataType.UInt32 or DataType.UInt64 => proto.Uint64Data.Count,
            _ => proto.Int32Data.Count,
        };
        if (available != count)
            throw new OnnxFormatException($"{where}: tensor '{proto.Name}' of shape {ShapeUtil.Format(shape)} needs {count} values, holds {available}");
        var typed = Tensor.Zeros(type, shape);
        switch (type)
        {
            case DataType.Float:
                for (int i = 0; i < count; i++) typed.Floats[i] = proto.FloatData[i];
                break;
            case DataType.Double:
                for (int i = 0; i < count; i++) typed.Floats[i] = (float)proto.DoubleData[i];
                break;
            case DataType.Float16:
                for (int i = 0; i < count; i++) typed.Floats[i] = (float)BitConverter.UInt16BitsToHalf((ushort)proto.Int32Data[i]);
                break;
            case DataType.BFloat16:
                for (int i = 0; i < count; i++) typed.Floats[i] = BFloat16.ToFloat((ushort)proto.Int32Data[i]);
                break;
            case DataType.Int64:
                for (int i = 0; i < count; i++) typed.Longs[i] = proto.Int64Data[i];
                break;
            case DataType.UInt32:
            case DataType.UInt64:
                for (int i = 0; i < count; i++) typed.Longs[i] = (long)proto.Uint64Data[i];
                break;
            default:
                for (int i = 0; i < count; i++) typed.Longs[i] = type.WrapInteger(proto.Int32Data[i]);
                break;
        }
        return typed;
    }

    /// <summary>Elements of a declared shape, refused past EngineLimits.MaxElements (before anything is allocated).</summary>
    internal static int ElementCount(int[] shape, string what)
    {
        if (shape.Contains(0)) return 0;
        long size = 1;
        foreach (int d in shape)
        {
            size *= d;
            if (size > EngineLimits.MaxElements)
                throw new ModelException(ModelErrorCode.InvalidGraph, $"{what} of shape {ShapeUtil.Format(shape)} declares more than {EngineLimits.MaxElements} elements, the most one tensor may hold (docs/operators.md, Limits)");
        }
        return (int)size;
    }

    public static TensorProto ToProto(Tensor tensor, string name)
    {
        var proto = new TensorProto { Name = name, DataType = (int)tensor.Type };
        foreach (int d in tensor.Shape) proto.Dims.Add(d);
        int width = ElementSize(tensor.Type);
        var bytes = new byte[tensor.Length * width];
        for (int i = 0; i < tensor.Length; i++)
        {
            var slot = bytes.AsSpan(i * width, width);
            switch (tensor.Type)
            {
                case DataType.Float: BinaryPrimitives.WriteSingleLittleEndian(slot, tensor.Floats[i]); break;
                case DataType.Double: BinaryPrimitives.WriteDoubleLittleEndian(slot, tensor.Floats[i]); break;
                case DataType.Float16: BinaryPrimitives.WriteHalfLittleEndian(slot, (Half)tensor.Floats[i]); break;
                case DataType.BFloat16: BinaryPrimitives.WriteUInt16LittleEndian(slot, BFloat16.FromFloat(tensor.Floats[i])); break;
                case DataType.Int64: case DataType.UInt64: BinaryPrimitives.WriteInt64LittleEndian(slot, tensor.Longs[i]); break;
                case DataType.Int32: case DataType.UInt32: BinaryPrimitives.WriteInt32LittleEndian(slot, (int)tensor.Longs[i]); break;
                case DataType.Int16: case DataType.UInt16: BinaryPrimitives.WriteInt16LittleEndian(slot, (short)tensor.Longs[i]); break;
                default: slot[0] = (byte)tensor.Longs[i]; break;
            }
        }
        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }

    public static int ElementSize(DataType type) => type switch
    {
        DataType.Float or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Double or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Float16 or DataType.BFloat16 or DataType.Int16 or DataType.UInt16 => 2,
        _ => 1,
    };

    private static void DecodeRaw(ReadOnlySpan<byte> raw, DataType type, Tensor tensor)
    {
        // float32 and int64 are stored as we hold them: one block copy (ONNX raw_data is little-endian, as is x64).
        if (BitConverter.IsLittleEndian && type == DataType.Float)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).CopyTo(tensor.Floats);
            return;
        }
        if (BitConverter.IsLittleEndian && type == DataType.Int64)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw).CopyTo(tensor.Longs);
            return;
        }
        int width = ElementSize(type);
        for (int i = 0; i < tensor.Length; i++)
        {
            var slot = raw.Slice(i * width, width);
            switch (type)
            {
                case DataType.Float: tensor.Floats[i] = BinaryPrimitives.ReadSingleLittleEndian(slot); break;
                case DataType.Double: tensor.Floats[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(slot); break;
                case DataType.Float16: tensor.Floats[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(slot); break;
                case DataType.BFloat16: tensor.Floats[i] = BFloat16.ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(slot)); break;
                case DataType.Int64: case DataType.UInt64: tensor.Longs[i] = BinaryPrimitives.ReadInt64LittleEndian(slot); break;
                case DataType.Int32: tensor.Longs[i] = BinaryPrimitives.ReadInt32LittleEndian(slot); break;
                case DataType.UInt32: tensor.Longs[i] = BinaryPrimitives.ReadUInt32LittleEndian(slot); break;
                case DataType.Int16: tensor.Longs[i] = BinaryPrimitives.ReadInt16LittleEndian(slot); break;
                case DataType.UInt16: tensor.Longs[i] = BinaryPrimitives.ReadUInt16LittleEndian(slot); break;
                case DataType.Int8: tensor.Longs[i] = (sbyte)slot[0]; break;
                case DataType.Bool: tensor.Longs[i] = slot[0] != 0 ? 1 : 0; break;
                default: tensor.Longs[i] = slot[0]; break;
            }
        }
    }

    private static byte[] ReadExternal(TensorProto proto, string where, string? modelFolder, long expected)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in proto.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset":
                    if (!long.TryParse(entry.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out offset))
                        throw new OnnxFormatException($"{where}: tensor '{proto.Name}': external data offset '{entry.Value}' is not a non-negative integer");
                    break;
                case "length":
                    if (!long.TryParse(entry.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length))
                        throw new OnnxFormatException($"{where}: tensor '{proto.Name}': external data length '{entry.Value}' is not a non-negative integer");
                    break;
            }
        }
        if (location is null)
            throw new OnnxFormatException($"{where}: tensor '{proto.Name}' is marked external but names no location");
        if (modelFolder is null)
            throw new ModelException(ModelErrorCode.ExternalData, $"{where}: tensor '{proto.Name}' has external data but the model was not read from a file");
        return ExternalData.Read(modelFolder, location, offset, length < 0 ? expected : length, $"{where}: tensor '{proto.Name}'");
    }
}
