using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using Hotplug.Contracts;

namespace Hotplug.Wire;

/// <summary>How a schema is built: from the interface's methods to operations, and from its records to messages.</summary>
public sealed partial class ContractSchema
{
    [RequiresDynamicCode("Contract schemas are built by reflection.")]
    [RequiresUnreferencedCode("Contract schemas read the contract's records by reflection.")]
    private sealed class Builder(ContractDescriptor? descriptor, Type subject)
    {
        private readonly Type _contract = subject;
        private readonly Dictionary<Type, WireType> _types = [];
        private readonly Dictionary<string, Type> _names = new(StringComparer.Ordinal);
        private readonly List<WireType> _ordered = [];
        private readonly NullabilityInfoContext _nullability = new();

        public ContractSchema Build()
        {
            ArgumentNullException.ThrowIfNull(descriptor);
            var package = PackageOf(descriptor.ContractName, _contract);
            var service = _contract.Name.Length > 1 && _contract.Name[0] == 'I' && char.IsUpper(_contract.Name[1]) ? _contract.Name[1..] : _contract.Name;

            // The descriptor's rules hold already; what is left is gRPC's own: one method per name, messages of carried types.
            foreach (var group in descriptor.Operations.GroupBy(o => o.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                throw new ContractSchemaException(_contract, $"{string.Join(" and ", group.Select(o => o.Method.Name))} would both be gRPC method {group.Key}: overloads cannot go over the wire; rename one.");
            }

            var drafts = descriptor.Operations.Select(Describe).ToList();
            var operations = drafts.Select(d => d.Complete(this, package, service)).ToList();
            return new ContractSchema(descriptor, package, service, operations, _ordered);
        }

        private Draft Describe(OperationDescriptor operation)
        {
            var where = $"{_contract.Name}.{operation.Method.Name}";
            var draft = new Draft(operation);
            if (operation.StreamsInput)
            {
                var stream = operation.Parameters[0];
                draft.RequestFields = [Field(1, "value", "value", stream.ItemType!, stream.ItemNullability, $"{where} stream item")];
                draft.RequestDirect = IsDirect(draft.RequestFields[0], stream.ItemNullability);
            }
            else
            {
                draft.RequestFields = [.. operation.Parameters.Select((p, i) => Field(i + 1, Snake(p.Name), p.Name, p.Type, p.Nullability, $"{where} parameter '{p.Name}'"))];
                draft.RequestDirect = draft.RequestFields.Count == 1 && IsDirect(draft.RequestFields[0], operation.Parameters[0].Nullability);
            }

            draft.ResponseFields = operation.ResultType is null ? [] : [Field(1, "value", "value", operation.ResultType, operation.ResultNullability, $"{where} result")];
            draft.ResponseDirect = draft.ResponseFields.Count == 1 && IsDirect(draft.ResponseFields[0], operation.ResultNullability);
            return draft;
        }

        private static bool IsDirect(WireField field, NullabilityState nullability) =>
            field.Kind == FieldKind.Single && field.Type is MessageType { ClrType.IsValueType: false } && nullability != NullabilityState.Nullable;

        /// <summary>Describes one field: a parameter, a result or a record's member.</summary>
        internal WireField Field(int number, string name, string clrName, Type type, NullabilityState nullability, string where)
        {
            if (Nullable.GetUnderlyingType(type) is { } underlying)
            {
                var inner = Element(underlying, where);
                return new WireField { Number = number, Name = name, ClrName = clrName, Kind = FieldKind.Single, Type = inner, Presence = inner is not MessageType };
            }

            if (Collections.IsMap(type, out var key, out var value))
            {
                var keyType = Element(key, where);
                if (keyType is not ScalarType { ProtoName: "string" or "int32" or "int64" or "uint32" or "uint64" or "bool" } || key == typeof(decimal) || key == typeof(Guid))
                {
                    throw new ContractSchemaException(_contract, $"{where}: a map's key must be a string, an integer or a bool, not {key.Name}.");
                }

                return new WireField
                {
                    Number = number, Name = name, ClrName = clrName, Kind = FieldKind.Map, KeyType = keyType, Type = Item(value, where),
                    Collect = Collections.MapFactory(key, value), Entries = Collections.MapEntries(key, value),
                };
            }

            if (Collections.IsSequence(type, out var element))
            {
                return new WireField
                {
                    Number = number, Name = name, ClrName = clrName, Kind = FieldKind.Repeated, Type = Item(element, where),
                    Collect = Collections.SequenceFactory(type, element),
                };
            }

            var single = Element(type, where);
            var presence = single is ScalarType && !type.IsValueType && nullability == NullabilityState.Nullable;
            return new WireField { Number = number, Name = name, ClrName = clrName, Kind = FieldKind.Single, Type = single, Presence = presence };
        }

        private WireType Item(Type type, string where)
        {
            if (Nullable.GetUnderlyingType(type) is not null || Collections.IsSequence(type, out _) || Collections.IsMap(type, out _, out _))
            {
                throw new ContractSchemaException(_contract, $"{where}: {Display(type)} inside a list or map cannot go over the wire (protobuf has no nullable or nested repeated elements); wrap it in a record.");
            }

            return Element(type, where);
        }

        private WireType Element(Type type, string where)
        {
            if (_types.TryGetValue(type, out var known))
            {
                return known;
            }

            if (ScalarType.Known.TryGetValue(type, out var scalar))
            {
                return scalar;
            }

            if (type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(TimeSpan))
            {
                return _types[type] = new WellKnownType(type);
            }

            if (type.IsEnum)
            {
                var enumType = new EnumType(type);
                Register(type, enumType, where);
                return enumType;
            }

            if (type == typeof(object) || type.IsInterface || type.IsAbstract || type.IsPointer || type.IsGenericTypeDefinition ||
                typeof(Delegate).IsAssignableFrom(type) || typeof(Task).IsAssignableFrom(type) || type == typeof(CancellationToken) ||
                type == typeof(IntPtr) || type == typeof(UIntPtr) || type == typeof(char) || Collections.IsOtherCollection(type) ||
                (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>)) || type == typeof(ValueTask))
            {
                var hint = Collections.IsOtherCollection(type) ? " Use T[], List<T>, IReadOnlyList<T> or a Dictionary<K, V>." : " Use a record, a number, a string or a list of them.";
                throw new ContractSchemaException(_contract, $"{where} is {Display(type)}, which cannot go over the wire.{hint}");
            }

            var message = new MessageType(MessageName(type), type);
            Register(type, message, where);
            CompleteMessage(message, type);
            return message;
        }

        private void Register(Type type, WireType wireType, string where)
        {
            if (_names.TryGetValue(wireType.ProtoName, out var other) && other != type)
            {
                throw new ContractSchemaException(_contract, $"{where}: {type.FullName} and {other.FullName} would both be message {wireType.ProtoName}; rename one.");
            }

            _names[wireType.ProtoName] = type;
            _types[type] = wireType;
            _ordered.Add(wireType);
        }

        private void CompleteMessage(MessageType message, Type type)
        {
            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true })
                .OrderBy(p => p.MetadataToken)
                .ToList();
            var byName = properties.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

            var constructor = type.GetConstructors()
                .OrderByDescending(c => c.GetParameters().Length)
                .FirstOrDefault(c => c.GetParameters().All(p => p.Name is not null && byName.TryGetValue(p.Name, out var match) && p.ParameterType == match.PropertyType));
            if (constructor is null && !type.IsValueType)
            {
                throw new ContractSchemaException(_contract, $"{type.Name} has no public constructor whose parameters match its properties by name and type, so it cannot be rebuilt on arrival. Make it a record, or give it a parameterless constructor and settable properties.");
            }

            var constructorParameters = constructor?.GetParameters() ?? [];
            var members = constructorParameters.Select(p => byName[p.Name!]).ToList();
            members.AddRange(properties.Where(p => !members.Contains(p) && p.SetMethod is { IsPublic: true }));

            var fields = members.Select((p, i) => Field(i + 1, Snake(p.Name), p.Name, p.PropertyType, _nullability.Create(p).ReadState, $"{type.Name}.{p.Name}")).ToList();
            var getters = members.Select(p => p.GetMethod!).ToArray();
            var setters = members.Skip(constructorParameters.Length).Select(p => p.SetMethod!).ToArray();
            var count = constructorParameters.Length;

            message.Complete(
                fields,
                value =>
                {
                    var values = new object?[getters.Length];
                    for (var i = 0; i < getters.Length; i++)
                    {
                        values[i] = getters[i].Invoke(value, null);
                    }

                    return values;
                },
                values =>
                {
                    var instance = constructor is null ? Activator.CreateInstance(type)! : constructor.Invoke(values[..count]);
                    for (var i = 0; i < setters.Length; i++)
                    {
                        setters[i].Invoke(instance, [values[count + i]]);
                    }

                    return instance;
                });
        }

        /// <summary>Makes the request and response messages of the methods that need one.</summary>
        internal MessageType Wrapper(string name, string service, IReadOnlyList<WireField> fields)
        {
            if (fields.Count == 0)
            {
                return Empty;
            }

            var chosen = _names.ContainsKey(name) ? service + name : name;
            var message = new MessageType(chosen, null);
            message.Complete(fields, null, null);
            _names[chosen] = typeof(object);
            _ordered.Add(message);
            return message;
        }

        private static string MessageName(Type type) =>
            type.IsGenericType
                ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "Of" + string.Join("And", type.GetGenericArguments().Select(MessageName))
                : type.Name;

        private static string Display(Type type) =>
            type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Display))}>" : type.Name;

        private static string PackageOf(string? contractName, Type contract)
        {
            var source = contractName ?? contract.Namespace ?? string.Empty;
            var builder = new StringBuilder();
            foreach (var c in source.ToLowerInvariant())
            {
                builder.Append(c is '/' or '.' ? '.' : char.IsAsciiLetterOrDigit(c) ? c : '_');
            }

            return string.Join('.', builder.ToString().Split('.', StringSplitOptions.RemoveEmptyEntries).Select(s => char.IsAsciiDigit(s[0]) ? "_" + s : s));
        }
    }

    /// <summary>An operation before its request and response messages have names.</summary>
    [RequiresDynamicCode("Contract schemas are built by reflection.")]
    [RequiresUnreferencedCode("Contract schemas read the contract's records by reflection.")]
    private sealed class Draft(OperationDescriptor operation)
    {
        public IReadOnlyList<WireField> RequestFields { get; set; } = [];

        public IReadOnlyList<WireField> ResponseFields { get; set; } = [];

        public bool RequestDirect { get; set; }

        public bool ResponseDirect { get; set; }

        public ContractOperation Complete(Builder builder, string package, string service)
        {
            var request = RequestDirect ? (MessageType)RequestFields[0].Type : builder.Wrapper(operation.Name + "Request", service, RequestFields);
            var response = ResponseDirect ? (MessageType)ResponseFields[0].Type : builder.Wrapper(operation.Name + "Response", service, ResponseFields);
            var serviceName = package.Length == 0 ? service : package + "." + service;
            return new ContractOperation(operation, serviceName, new PayloadCodec(request, RequestDirect), new PayloadCodec(response, ResponseDirect));
        }
    }
}
