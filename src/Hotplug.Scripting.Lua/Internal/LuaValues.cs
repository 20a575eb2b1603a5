using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using Hotplug.Scripting.Messages;
using static Hotplug.Scripting.Lua.Internal.LuaNative;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>
/// Messages to Lua values and back, walking their <see cref="MessageShape"/>: records and maps are tables, lists are
/// sequences from 1, whole numbers are Lua integers. Only raw table access is used, so reading a script's value can
/// never run script code (no metamethods) nor raise.
/// </summary>
internal static unsafe class LuaValues
{
    /// <summary>Stack slots one level of nesting needs.</summary>
    public const int StackPerLevel = 8;

    /// <summary>How deep messages may nest, each way.</summary>
    public const int MaxNesting = 200;

    /// <summary>What one value counts against the output limit, besides its text.</summary>
    private const long ValueCost = 16;

    private static readonly ConcurrentDictionary<MessageShape, MessageShape[]> FieldShapes = new();
    private static readonly object True = true;
    private static readonly object False = false;

    /// <summary>Pushes a message; <see langword="false"/> when it nests too deeply.</summary>
    public static bool Push(nint L, object? value, MessageShape shape, int depth)
    {
        if (value is null)
        {
            lua_pushnil(L);
            return true;
        }

        switch (shape.Scalar)
        {
            case ScalarType.Boolean:
                lua_pushboolean(L, (bool)value ? 1 : 0);
                return true;
            case ScalarType.Int32:
                lua_pushinteger(L, (int)value);
                return true;
            case ScalarType.Int64:
                lua_pushinteger(L, (long)value);
                return true;
            case ScalarType.Double:
                lua_pushnumber(L, (double)value);
                return true;
            case ScalarType.String:
                PushString(L, (string)value);
                return true;
            case ScalarType.Other:
                PushPlain(L, shape.ToScript(value), 0);
                return true;
        }

        if (depth > MaxNesting || lua_checkstack(L, StackPerLevel) == 0)
        {
            return false;
        }

        switch (shape.Kind)
        {
            case MessageKind.List:
                var item = shape.Item!;
                if (value is IList list)
                {
                    lua_createtable(L, list.Count, 0);
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (!Push(L, list[i], item, depth + 1))
                        {
                            return false;
                        }

                        lua_rawseti(L, -2, i + 1);
                    }

                    return true;
                }

                lua_createtable(L, value is ICollection c ? c.Count : 0, 0);
                var n = 0;
                foreach (var element in MessageShape.Items(value))
                {
                    if (!Push(L, element, item, depth + 1))
                    {
                        return false;
                    }

                    lua_rawseti(L, -2, ++n);
                }

                return true;
            case MessageKind.Map:
                lua_createtable(L, 0, value is ICollection m ? m.Count : 0);
                foreach (var (key, entry) in MessageShape.Entries(value))
                {
                    PushString(L, key);
                    if (!Push(L, entry, shape.Item!, depth + 1))
                    {
                        return false;
                    }

                    lua_rawset(L, -3);
                }

                return true;
            default:
                var fields = shape.Fields;
                var shapes = Shapes(shape);
                lua_createtable(L, 0, fields.Count);
                for (var i = 0; i < fields.Count; i++)
                {
                    var field = fields[i];
                    var fieldValue = field.Get(value);
                    if (fieldValue is null)
                    {
                        continue;
                    }

                    fixed (byte* name = field.Utf8Name.Span)
                    {
                        lua_pushstring(L, name);
                    }

                    if (!Push(L, fieldValue, shapes[i], depth + 1))
                    {
                        return false;
                    }

                    lua_rawset(L, -3);
                }

                return true;
        }
    }

    /// <summary>Pushes a plain value: null, bool, a number, text, or a dictionary or list of them.</summary>
    public static void PushPlain(nint L, object? value, int depth)
    {
        switch (value)
        {
            case null:
                lua_pushnil(L);
                break;
            case bool b:
                lua_pushboolean(L, b ? 1 : 0);
                break;
            case long l:
                lua_pushinteger(L, l);
                break;
            case int i:
                lua_pushinteger(L, i);
                break;
            case double d:
                lua_pushnumber(L, d);
                break;
            case string s:
                PushString(L, s);
                break;
            case IReadOnlyDictionary<string, object?> map when depth < MaxNesting && lua_checkstack(L, StackPerLevel) != 0:
                lua_createtable(L, 0, map.Count);
                foreach (var (key, entry) in map)
                {
                    PushString(L, key);
                    PushPlain(L, entry, depth + 1);
                    lua_rawset(L, -3);
                }

                break;
            case IReadOnlyList<object?> list when depth < MaxNesting && lua_checkstack(L, StackPerLevel) != 0:
                lua_createtable(L, list.Count, 0);
                for (var i = 0; i < list.Count; i++)
                {
                    PushPlain(L, list[i], depth + 1);
                    lua_rawseti(L, -2, i + 1);
                }

                break;
            default:
                PushString(L, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                break;
        }
    }

    /// <summary>Reads the value at an absolute <paramref name="index"/> as <paramref name="shape"/>.</summary>
    /// <exception cref="LuaValueMismatch">The value does not fit; the exception carries where.</exception>
    /// <exception cref="LuaOutputExceeded">The value is larger than the budget left.</exception>
    public static object? Read(nint L, int index, MessageShape shape, bool allowsNull, ref long budget, int depth)
    {
        var type = lua_type(L, index);
        if ((budget -= ValueCost) < 0)
        {
            throw new LuaOutputExceeded();
        }

        if (type == TNil)
        {
            return allowsNull || shape.IsNullableValue ? null : throw new LuaValueMismatch($"expected {shape.Description}, got nothing (nil)");
        }

        switch (shape.Scalar)
        {
            case ScalarType.Boolean when type == TBoolean:
                return lua_toboolean(L, index) != 0 ? True : False;
            case ScalarType.Int64 when type == TNumber && lua_isinteger(L, index) != 0:
                return lua_tointegerx(L, index, 0);
            case ScalarType.Double when type == TNumber:
                return lua_tonumberx(L, index, 0);
            case ScalarType.String when type == TString:
                var length = (long)lua_rawlen(L, index);
                if ((budget -= length) < 0)
                {
                    throw new LuaOutputExceeded();
                }

                return ToText(L, index);
            case ScalarType.None:
                break;
            default:
                var plain = Plain(L, index, type, ref budget) ?? throw new LuaValueMismatch($"expected {shape.Description}, got {LuaEngine.TypeName(type)}");
                return shape.FromScript(plain, out var error) ?? throw new LuaValueMismatch(error ?? $"expected {shape.Description}");
        }

        if (type != TTable)
        {
            throw new LuaValueMismatch($"expected {shape.Description}, got {LuaEngine.TypeName(type)}");
        }

        if (depth > MaxNesting || lua_checkstack(L, StackPerLevel) == 0)
        {
            throw new LuaValueMismatch($"nested deeper than {MaxNesting} levels");
        }

        return shape.Kind switch
        {
            MessageKind.List => ReadList(L, index, shape, ref budget, depth),
            MessageKind.Map => ReadMap(L, index, shape, ref budget, depth),
            _ => ReadMessage(L, index, shape, ref budget, depth),
        };
    }

    /// <summary>Reads a plain value: null, bool, long, double, text, or a dictionary of them by text key.</summary>
    public static object? ReadPlain(nint L, int index, int depth)
    {
        var type = lua_type(L, index);
        if (type != TTable)
        {
            var budget = long.MaxValue;
            return Plain(L, index, type, ref budget);
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (depth > MaxNesting || lua_checkstack(L, StackPerLevel) == 0)
        {
            return result;
        }

        lua_pushnil(L);
        while (lua_next(L, index) != 0)
        {
            if (lua_type(L, -2) == TString)
            {
                result[ToText(L, -2)] = ReadPlain(L, lua_gettop(L), depth + 1);
            }

            lua_settop(L, -2);
        }

        return result;
    }

    private static object? Plain(nint L, int index, int type, ref long budget)
    {
        switch (type)
        {
            case TBoolean:
                return lua_toboolean(L, index) != 0 ? True : False;
            case TNumber:
                return lua_isinteger(L, index) != 0 ? (object)lua_tointegerx(L, index, 0) : lua_tonumberx(L, index, 0);
            case TString:
                if ((budget -= (long)lua_rawlen(L, index)) < 0)
                {
                    throw new LuaOutputExceeded();
                }

                return ToText(L, index);
            default:
                return null;
        }
    }

    private static object ReadMessage(nint L, int index, MessageShape shape, ref long budget, int depth)
    {
        var fields = shape.Fields;
        var shapes = Shapes(shape);
        var values = new object?[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            fixed (byte* name = field.Utf8Name.Span)
            {
                lua_pushstring(L, name);
            }

            lua_rawget(L, index);
            try
            {
                values[i] = Read(L, lua_gettop(L), shapes[i], field.AllowsNull, ref budget, depth + 1);
            }
            catch (LuaValueMismatch mismatch) when (mismatch.Within("." + field.Name))
            {
                throw; // never taken: the filter only adds where the value was
            }

            lua_settop(L, -2);
        }

        return shape.Create(values);
    }

    private static object ReadList(nint L, int index, MessageShape shape, ref long budget, int depth)
    {
        var count = (int)Math.Min((long)lua_rawlen(L, index), int.MaxValue);
        if ((budget -= (long)count * ValueCost) < 0)
        {
            throw new LuaOutputExceeded();
        }

        var items = new object?[count];
        var item = shape.Item!;
        for (var i = 0; i < count; i++)
        {
            lua_rawgeti(L, index, i + 1);
            try
            {
                items[i] = Read(L, lua_gettop(L), item, item.AllowsNull, ref budget, depth + 1);
            }
            catch (LuaValueMismatch mismatch) when (mismatch.Within("[" + (i + 1).ToString(CultureInfo.InvariantCulture) + "]"))
            {
                throw;
            }

            lua_settop(L, -2);
        }

        return shape.CreateList(items);
    }

    private static object ReadMap(nint L, int index, MessageShape shape, ref long budget, int depth)
    {
        var entries = new List<KeyValuePair<string, object?>>();
        var item = shape.Item!;
        lua_pushnil(L);
        while (lua_next(L, index) != 0)
        {
            if (lua_type(L, -2) != TString)
            {
                throw new LuaValueMismatch($"expected a table keyed by text, got a key that is {LuaEngine.TypeName(lua_type(L, -2))}");
            }

            var key = ToText(L, -2);
            try
            {
                entries.Add(new(key, Read(L, lua_gettop(L), item, item.AllowsNull, ref budget, depth + 1)));
            }
            catch (LuaValueMismatch mismatch) when (mismatch.Within("[\"" + key + "\"]"))
            {
                throw;
            }

            lua_settop(L, -2);
        }

        return shape.CreateMap(entries);
    }

    private static MessageShape[] Shapes(MessageShape shape) =>
        FieldShapes.GetOrAdd(shape, static s => [.. s.Fields.Select(f => f.Shape)]);
}
