using System.Collections;

namespace Hotplug.Wire;

/// <summary>How a field repeats.</summary>
internal enum FieldKind
{
    Single,
    Repeated,
    Map,
}

/// <summary>One field of a message.</summary>
internal sealed class WireField
{
    public required int Number { get; init; }

    /// <summary>Gets the field's name in a <c>.proto</c> file (snake_case).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the .NET member or parameter it comes from, for errors.</summary>
    public required string ClrName { get; init; }

    public required FieldKind Kind { get; init; }

    /// <summary>Gets the value type (for maps, the map's value type).</summary>
    public required WireType Type { get; init; }

    /// <summary>Gets the map's key type.</summary>
    public WireType? KeyType { get; init; }

    /// <summary>Gets whether proto3 tracks the field's presence (<c>optional</c>): a nullable number, string or bytes.</summary>
    public bool Presence { get; init; }

    /// <summary>Builds the .NET collection from the items read (repeated and map fields).</summary>
    public Func<List<object?>, object>? Collect { get; init; }

    /// <summary>Enumerates a map's entries.</summary>
    public Func<object, IEnumerable<KeyValuePair<object, object?>>>? Entries { get; init; }

    public object? Empty => Kind switch
    {
        FieldKind.Single => Presence ? null : Type.Empty,
        _ => Collect!([]),
    };
}

/// <summary>
/// A protobuf message: a .NET record or class (fields in constructor order, then settable properties), or a
/// message the schema makes up for a method's parameters or result (values by position).
/// </summary>
internal sealed class MessageType(string name, Type? clrType) : WireType
{
    private WireField?[] _byNumber = [];
    private int[] _indexByNumber = [];

    public Type? ClrType => clrType;

    public override string ProtoName => name;

    public override WireFormat Format => WireFormat.Len;

    public override object? Empty => null;

    public IReadOnlyList<WireField> Fields { get; private set; } = [];

    /// <summary>Gets the values of an object's fields, in field order.</summary>
    public Func<object, object?[]>? Get { get; private set; }

    /// <summary>Creates an object from its fields' values.</summary>
    public Func<object?[], object>? Create { get; private set; }

    public void Complete(IReadOnlyList<WireField> fields, Func<object, object?[]>? get, Func<object?[], object>? create)
    {
        Fields = fields;
        _byNumber = new WireField?[fields.Count == 0 ? 1 : fields.Max(f => f.Number) + 1];
        _indexByNumber = new int[_byNumber.Length];
        for (var i = 0; i < fields.Count; i++)
        {
            _byNumber[fields[i].Number] = fields[i];
            _indexByNumber[fields[i].Number] = i;
        }

        Get = get;
        Create = create;
    }

    public override bool IsDefault(object value) => false;

    public override void Write(ProtoWriter writer, object value)
    {
        var inner = ProtoWriter.Rent();
        WriteValues(inner, Get!(value));
        writer.Bytes(inner.Written);
        ProtoWriter.Return(inner);
    }

    public override object Read(ref ProtoReader reader) => Create!(ReadValues(reader.LengthDelimited()));

    public void WriteValues(ProtoWriter writer, object?[] values)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            var field = Fields[i];
            var value = values[i];
            if (value is null)
            {
                continue;
            }

            switch (field.Kind)
            {
                case FieldKind.Single:
                    if (field.Presence || !field.Type.IsDefault(value))
                    {
                        writer.Tag(field.Number, field.Type.Format);
                        field.Type.Write(writer, value);
                    }

                    break;
                case FieldKind.Repeated when field.Type.Packable:
                    var packed = ProtoWriter.Rent();
                    foreach (var item in (IEnumerable)value)
                    {
                        field.Type.Write(packed, item ?? throw NullElement(field));
                    }

                    if (packed.Length > 0)
                    {
                        writer.Tag(field.Number, WireFormat.Len);
                        writer.Bytes(packed.Written);
                    }

                    ProtoWriter.Return(packed);
                    break;
                case FieldKind.Repeated:
                    foreach (var item in (IEnumerable)value)
                    {
                        writer.Tag(field.Number, field.Type.Format);
                        field.Type.Write(writer, item ?? throw NullElement(field));
                    }

                    break;
                case FieldKind.Map:
                    foreach (var (key, item) in field.Entries!(value))
                    {
                        var entry = ProtoWriter.Rent();
                        entry.Tag(1, field.KeyType!.Format);
                        field.KeyType.Write(entry, key);
                        if (item is not null)
                        {
                            entry.Tag(2, field.Type.Format);
                            field.Type.Write(entry, item);
                        }

                        writer.Tag(field.Number, WireFormat.Len);
                        writer.Bytes(entry.Written);
                        ProtoWriter.Return(entry);
                    }

                    break;
            }
        }
    }

    public object?[] ReadValues(ReadOnlySpan<byte> data)
    {
        var values = new object?[Fields.Count];
        var seen = new bool[Fields.Count];
        var reader = new ProtoReader(data);
        while (!reader.End)
        {
            var (number, format) = reader.Tag();
            var field = number < _byNumber.Length ? _byNumber[number] : null;
            if (field is null)
            {
                // A field a newer peer added: skipped, as protobuf does.
                reader.Skip(format);
                continue;
            }

            var index = _indexByNumber[number];
            seen[index] = true;
            switch (field.Kind)
            {
                case FieldKind.Single:
                    Expect(field, format, field.Type.Format);
                    values[index] = field.Type.Read(ref reader);
                    break;
                case FieldKind.Repeated:
                    var items = (List<object?>)(values[index] ??= new List<object?>());
                    if (format == WireFormat.Len && field.Type.Packable)
                    {
                        var packed = new ProtoReader(reader.LengthDelimited());
                        while (!packed.End)
                        {
                            items.Add(field.Type.Read(ref packed));
                        }
                    }
                    else
                    {
                        Expect(field, format, field.Type.Format);
                        items.Add(field.Type.Read(ref reader));
                    }

                    break;
                case FieldKind.Map:
                    Expect(field, format, WireFormat.Len);
                    var entries = (List<object?>)(values[index] ??= new List<object?>());
                    var entry = new ProtoReader(reader.LengthDelimited());
                    object? key = field.KeyType!.Empty, item = field.Type.Empty;
                    while (!entry.End)
                    {
                        var (n, f) = entry.Tag();
                        if (n == 1 && f == field.KeyType.Format)
                        {
                            key = field.KeyType.Read(ref entry);
                        }
                        else if (n == 2 && f == field.Type.Format)
                        {
                            item = field.Type.Read(ref entry);
                        }
                        else
                        {
                            entry.Skip(f);
                        }
                    }

                    entries.Add(new KeyValuePair<object, object?>(key!, item));
                    break;
            }
        }

        for (var i = 0; i < values.Length; i++)
        {
            var field = Fields[i];
            if (!seen[i])
            {
                values[i] = field.Empty;
            }
            else if (field.Kind != FieldKind.Single)
            {
                values[i] = field.Collect!((List<object?>)values[i]!);
            }
        }

        return values;
    }

    private void Expect(WireField field, WireFormat actual, WireFormat expected)
    {
        if (actual != expected)
        {
            throw new InvalidDataException($"field {field.Number} ({ProtoName}.{field.Name}) came as wire type {(int)actual}, but it is a {field.Type.ProtoName}");
        }
    }

    private InvalidOperationException NullElement(WireField field) =>
        new($"{ClrType?.Name ?? ProtoName}.{field.ClrName} holds a null element, which protobuf cannot carry.");
}
