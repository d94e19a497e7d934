using Google.Protobuf;

namespace TokenTrace.OpenTelemetry.Tests;

/// <summary>
/// A protobuf message read field by field with <see cref="CodedInputStream"/>, without generated types: enough of the
/// wire format to walk an OTLP request (the field numbers are opentelemetry-proto's, cited where they are used).
/// </summary>
internal sealed class ProtoMessage
{
    private readonly List<(int Field, WireFormat.WireType Type, ulong Number, ByteString? Bytes)> _fields = [];

    public static ProtoMessage Parse(ByteString bytes)
    {
        var message = new ProtoMessage();
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            var type = WireFormat.GetTagWireType(tag);
            switch (type)
            {
                case WireFormat.WireType.Varint:
                    message._fields.Add((field, type, input.ReadUInt64(), null));
                    break;
                case WireFormat.WireType.Fixed64:
                    message._fields.Add((field, type, input.ReadFixed64(), null));
                    break;
                case WireFormat.WireType.Fixed32:
                    message._fields.Add((field, type, input.ReadFixed32(), null));
                    break;
                case WireFormat.WireType.LengthDelimited:
                    message._fields.Add((field, type, 0, input.ReadBytes()));
                    break;
                default:
                    throw new InvalidDataException($"wire type {type} of field {field} is not used by OTLP");
            }
        }

        return message;
    }

    public IEnumerable<ProtoMessage> Messages(int field) =>
        _fields.Where(f => f.Field == field && f.Bytes is not null).Select(f => Parse(f.Bytes!));

    public ProtoMessage? Message(int field) => Messages(field).FirstOrDefault();

    public string? String(int field) =>
        _fields.LastOrDefault(f => f.Field == field && f.Bytes is not null).Bytes?.ToStringUtf8();

    public ulong? Varint(int field) =>
        _fields.Any(f => f.Field == field && f.Type == WireFormat.WireType.Varint) ? _fields.Last(f => f.Field == field).Number : null;

    public ulong? Fixed64(int field) =>
        _fields.Any(f => f.Field == field && f.Type == WireFormat.WireType.Fixed64) ? _fields.Last(f => f.Field == field).Number : null;

    public double? Double(int field) => Fixed64(field) is { } bits ? BitConverter.UInt64BitsToDouble(bits) : null;

    public bool Has(int field) => _fields.Any(f => f.Field == field);
}
