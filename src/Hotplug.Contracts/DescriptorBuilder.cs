using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;

namespace Hotplug.Contracts;

/// <summary>Applies <see cref="ContractRules"/> to an interface's members, as reflection sees them.</summary>
[RequiresUnreferencedCode("Contract descriptors read the contract's methods by reflection.")]
internal sealed class DescriptorBuilder(Type contract, ContractDescriptor descriptor)
{
    private readonly NullabilityInfoContext _nullability = new();
    private readonly string _display = Display(contract);

    public OperationDescriptor[] Build(GeneratedContract? generated)
    {
        if (!contract.IsInterface)
        {
            throw new InvalidContractException(contract, null, $"'{_display}' is not an interface; a plugin contract is an interface of methods that take and return data messages.");
        }

        if (contract.IsGenericType)
        {
            throw new InvalidContractException(contract, null, Format(ContractRules.GenericContractFormat, _display));
        }

        var operations = new List<OperationDescriptor>();
        foreach (var @interface in new[] { contract }.Concat(contract.GetInterfaces()))
        {
            // Properties, events and indexers an implementation supplies are not operations, nor is a static abstract
            // or virtual member (no call can reach it); static members with a body (accessors included) are the
            // interface's own business, as the generator sees them.
            const BindingFlags all = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static;
            if (@interface.GetProperties(all).FirstOrDefault(p => IsMember(p.GetMethod ?? p.SetMethod)) is { } property)
            {
                throw Broken(property.Name, ContractRules.NotAMethodFormat);
            }

            if (@interface.GetEvents(all).FirstOrDefault(e => IsMember(e.AddMethod)) is { } @event)
            {
                throw Broken(@event.Name, ContractRules.NotAMethodFormat);
            }

            foreach (var method in @interface.GetMethods(all))
            {
                if (method.IsStatic)
                {
                    if (IsMember(method))
                    {
                        throw Broken(method.Name, ContractRules.NotAMethodFormat);
                    }

                    continue;
                }

                operations.Add(Describe(method, operations.Count, generated?.Find(method)));
            }
        }

        return [.. operations];
    }

    private OperationDescriptor Describe(MethodInfo method, int index, GeneratedOperation? generated)
    {
        if (method.IsGenericMethodDefinition)
        {
            throw Broken(method.Name, ContractRules.GenericMethodFormat);
        }

        var parameters = method.GetParameters();
        var roles = new List<ParameterRole>(parameters.Length);
        foreach (var parameter in parameters)
        {
            if (parameter.ParameterType.IsByRef && !IsIn(parameter))
            {
                throw Broken(method.Name, ContractRules.RefParameterFormat);
            }

            roles.Add(ContractRules.RoleOf(MetadataName(ValueType(parameter))));
        }

        if (ContractRules.CheckParameters(roles) is { } broken)
        {
            throw Broken(method.Name, broken);
        }

        // Nullability: what the generator saw (the result, then each value, and its items if it streams), else what
        // the nullable attributes say.
        var states = generated?.Nullability;
        var cursor = 0;
        NullabilityState Next(Func<NullabilityInfo?> read) => states is not null && cursor < states.Length ? states[cursor++] : Read(read);

        var shape = ContractRules.ShapeOf(MetadataName(method.ReturnType));
        var resultType = !ContractRules.HasResult(shape) ? null
            : ContractRules.IsWrapped(shape) ? method.ReturnType.GetGenericArguments()[0]
            : method.ReturnType;
        var resultNullability = Next(() => resultType is null ? null
            : ContractRules.IsWrapped(shape) ? _nullability.Create(method.ReturnParameter).GenericTypeArguments[0]
            : _nullability.Create(method.ReturnParameter));

        var tokenIndex = -1;
        var values = new List<OperationParameter>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (roles[i] == ParameterRole.Token)
            {
                tokenIndex = parameter.Position;
                continue;
            }

            var type = ValueType(parameter);
            var nullability = Next(() => _nullability.Create(parameter));
            Type? itemType = null;
            var itemNullability = NullabilityState.Unknown;
            if (roles[i] == ParameterRole.Stream)
            {
                itemType = type.GetGenericArguments()[0];
                itemNullability = Next(() => _nullability.Create(parameter).GenericTypeArguments[0]);
            }

            values.Add(new OperationParameter(parameter, values.Count, type, nullability, itemType, itemNullability));
        }

        return new OperationDescriptor(descriptor, index, method, shape, resultType, resultNullability, [.. values], tokenIndex, generated);
    }

    /// <summary>Whether an interface's accessor or method is one an implementation supplies: an instance member, or a static abstract or virtual one.</summary>
    private static bool IsMember(MethodInfo? method) => method is not null && (!method.IsStatic || method.IsAbstract || method.IsVirtual);

    /// <summary>Reads a nullability, or says it is unknown where the runtime cannot (a trimmed app without the nullable attributes).</summary>
    private static NullabilityState Read(Func<NullabilityInfo?> read)
    {
        try
        {
            return read()?.ReadState ?? NullabilityState.Unknown;
        }
        catch (InvalidOperationException)
        {
            return NullabilityState.Unknown;
        }
    }

    /// <summary>Whether a by-reference parameter is <see langword="in"/>: read-only, so the call passes a value, as the generator allows.</summary>
    private static bool IsIn(ParameterInfo parameter) =>
        parameter.IsIn && !parameter.IsOut &&
        !parameter.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.RequiresLocationAttribute");

    private static Type ValueType(ParameterInfo parameter) =>
        parameter.ParameterType.IsByRef ? parameter.ParameterType.GetElementType()! : parameter.ParameterType;

    /// <summary>Gets the name <see cref="ContractRules"/> know a type by: a generic type by its definition's.</summary>
    internal static string MetadataName(Type type) =>
        (type.IsGenericType && !type.IsGenericTypeDefinition ? type.GetGenericTypeDefinition() : type).FullName ?? type.Name;

    private InvalidContractException Broken(string member, string format) => new(contract, member, Format(format, member, _display));

    private static string Format(string format, params object[] values) => string.Format(CultureInfo.InvariantCulture, format, values);

    private static string Display(Type type) => (type.FullName ?? type.Name).Replace('+', '.');
}
