using System.Text;

namespace Hotplug.Wire;

/// <summary>Writes a contract's schema as a proto3 file.</summary>
internal static class ProtoExport
{
    public static string Write(ContractSchema schema, IEnumerable<KeyValuePair<string, string>> fileOptions)
    {
        var s = new StringBuilder();
        s.Append("// The wire contract of ").Append(schema.ContractType.FullName);
        s.Append(schema.ContractName is null ? string.Empty : $" ({schema.ContractName})").Append(".\n");
        s.Append(schema.ContractName is null
            ? "// Written by `hotplug proto`. As a host service, a Hotplug host serves it to plugins through go-plugin's broker.\n"
            : "// Written by `hotplug proto`: implement this service to provide the contract in any language.\n");
        s.Append("syntax = \"proto3\";\n\n");
        if (schema.Package.Length > 0)
        {
            s.Append("package ").Append(schema.Package).Append(";\n\n");
        }

        var messages = schema.Operations.SelectMany(o => new[] { o.Request.Message, o.Response.Message }).Concat(schema.Types).Distinct().ToList();
        var imports = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in messages.Select(m => m.ProtoName).Concat(messages.OfType<MessageType>().SelectMany(m => m.Fields).Select(f => f.Type.ProtoName)))
        {
            switch (name)
            {
                case "google.protobuf.Empty": imports.Add("google/protobuf/empty.proto"); break;
                case "google.protobuf.Timestamp": imports.Add("google/protobuf/timestamp.proto"); break;
                case "google.protobuf.Duration": imports.Add("google/protobuf/duration.proto"); break;
            }
        }

        foreach (var import in imports)
        {
            s.Append("import \"").Append(import).Append("\";\n");
        }

        if (imports.Count > 0)
        {
            s.Append('\n');
        }

        var options = fileOptions.ToList();
        foreach (var (name, value) in options)
        {
            s.Append("option ").Append(name).Append(" = \"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\";\n");
        }

        if (options.Count > 0)
        {
            s.Append('\n');
        }

        s.Append("service ").Append(schema.ServiceName).Append(" {\n");
        foreach (var operation in schema.Operations)
        {
            var clientStream = operation.Kind is Grpc.Core.MethodType.ClientStreaming or Grpc.Core.MethodType.DuplexStreaming ? "stream " : string.Empty;
            var serverStream = operation.Kind is Grpc.Core.MethodType.ServerStreaming or Grpc.Core.MethodType.DuplexStreaming ? "stream " : string.Empty;
            s.Append("  rpc ").Append(operation.Name).Append('(').Append(clientStream).Append(operation.RequestMessage)
                .Append(") returns (").Append(serverStream).Append(operation.ResponseMessage).Append(");\n");
        }

        s.Append("}\n");

        foreach (var type in messages.Where(m => !m.ProtoName.StartsWith("google.", StringComparison.Ordinal)))
        {
            s.Append('\n');
            switch (type)
            {
                case MessageType message:
                    s.Append("message ").Append(message.ProtoName).Append(" {\n");
                    foreach (var field in message.Fields)
                    {
                        s.Append("  ");
                        s.Append(field.Kind switch
                        {
                            FieldKind.Repeated => "repeated " + field.Type.ProtoName,
                            FieldKind.Map => $"map<{field.KeyType!.ProtoName}, {field.Type.ProtoName}>",
                            _ => (field.Presence ? "optional " : string.Empty) + field.Type.ProtoName,
                        });
                        s.Append(' ').Append(field.Name).Append(" = ").Append(field.Number).Append(";\n");
                    }

                    s.Append("}\n");
                    break;
                case EnumType enumType:
                    WriteEnum(s, enumType);
                    break;
            }
        }

        return s.ToString();
    }

    private static void WriteEnum(StringBuilder s, EnumType type)
    {
        var prefix = ContractSchema.Snake(type.ClrType.Name).ToUpperInvariant();
        s.Append("enum ").Append(type.ProtoName).Append(" {\n");
        var values = Enum.GetValuesAsUnderlyingType(type.ClrType).Cast<object>()
            .Select(v => (Name: Enum.GetName(type.ClrType, v)!, Number: Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)))
            .DistinctBy(v => v.Number)
            .OrderBy(v => v.Number)
            .ToList();
        if (values.All(v => v.Number != 0))
        {
            // proto3 enums start at zero.
            s.Append("  ").Append(prefix).Append("_UNSPECIFIED = 0;\n");
        }

        foreach (var (name, number) in values)
        {
            s.Append("  ").Append(prefix).Append('_').Append(ContractSchema.Snake(name).ToUpperInvariant()).Append(" = ").Append(number).Append(";\n");
        }

        s.Append("}\n");
    }
}
