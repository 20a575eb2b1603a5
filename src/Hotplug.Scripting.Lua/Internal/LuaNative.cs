using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>
/// The Lua 5.4 C API this runtime uses, bound to the library KeraLua ships (<c>lua54</c>). Only functions that cannot
/// raise a Lua error are called outside a protected call (raw table access, pushes while the allocator does not
/// refuse, <c>lua_resume</c> and <c>lua_pcallk</c>, which catch): a Lua error outside protection would abort the process.
/// </summary>
internal static unsafe partial class LuaNative
{
    public const string Library = "lua54";
    public const int RegistryIndex = -1_000_000 - 1000;
    public const int RidxMainThread = 1;
    public const int Ok = 0;
    public const int Yield = 1;
    public const int ErrRun = 2;
    public const int ErrSyntax = 3;
    public const int ErrMem = 4;
    public const int ErrErr = 5;
    public const int TNil = 0;
    public const int TBoolean = 1;
    public const int TLightUserData = 2;
    public const int TNumber = 3;
    public const int TString = 4;
    public const int TTable = 5;
    public const int TFunction = 6;
    public const int TThread = 8;
    public const int MaskCount = 1 << 3;
    public const int RefNil = -1;

    public static int UpvalueIndex(int i) => RegistryIndex - i;

    [LibraryImport(Library)]
    public static partial nint lua_newstate(delegate* unmanaged[Cdecl]<void*, void*, nuint, nuint, void*> allocator, void* ud);

    [LibraryImport(Library)]
    public static partial void lua_close(nint state);

    [LibraryImport(Library)]
    public static partial nint lua_newthread(nint state);

    [LibraryImport(Library)]
    public static partial int lua_closethread(nint state, nint from);

    [LibraryImport(Library)]
    public static partial int lua_resume(nint state, nint from, int nargs, out int nresults);

    [LibraryImport(Library)]
    public static partial int lua_pcallk(nint state, int nargs, int nresults, int msgh, nint ctx, nint k);

    [LibraryImport(Library)]
    public static partial int lua_gettop(nint state);

    [LibraryImport(Library)]
    public static partial int lua_status(nint state);

    [LibraryImport(Library)]
    public static partial void lua_settop(nint state, int index);

    [LibraryImport(Library)]
    public static partial void lua_pushvalue(nint state, int index);

    [LibraryImport(Library)]
    public static partial void lua_rotate(nint state, int index, int n);

    [LibraryImport(Library)]
    public static partial int lua_checkstack(nint state, int n);

    [LibraryImport(Library)]
    public static partial void lua_xmove(nint from, nint to, int n);

    [LibraryImport(Library)]
    public static partial int lua_type(nint state, int index);

    [LibraryImport(Library)]
    public static partial int lua_isinteger(nint state, int index);

    [LibraryImport(Library)]
    public static partial double lua_tonumberx(nint state, int index, nint isnum);

    [LibraryImport(Library)]
    public static partial long lua_tointegerx(nint state, int index, nint isnum);

    [LibraryImport(Library)]
    public static partial int lua_toboolean(nint state, int index);

    [LibraryImport(Library)]
    public static partial byte* lua_tolstring(nint state, int index, out nuint length);

    [LibraryImport(Library)]
    public static partial nuint lua_rawlen(nint state, int index);

    [LibraryImport(Library)]
    public static partial void* lua_touserdata(nint state, int index);

    [LibraryImport(Library)]
    public static partial nint lua_tothread(nint state, int index);

    [LibraryImport(Library)]
    public static partial int lua_rawequal(nint state, int a, int b);

    [LibraryImport(Library)]
    public static partial void lua_pushnil(nint state);

    [LibraryImport(Library)]
    public static partial void lua_pushnumber(nint state, double n);

    [LibraryImport(Library)]
    public static partial void lua_pushinteger(nint state, long n);

    [LibraryImport(Library)]
    public static partial byte* lua_pushlstring(nint state, byte* s, nuint length);

    [LibraryImport(Library)]
    public static partial byte* lua_pushstring(nint state, byte* s);

    [LibraryImport(Library)]
    public static partial void lua_pushboolean(nint state, int b);

    [LibraryImport(Library)]
    public static partial void lua_pushlightuserdata(nint state, void* p);

    [LibraryImport(Library)]
    public static partial void lua_pushcclosure(nint state, delegate* unmanaged[Cdecl]<nint, int> fn, int n);

    [LibraryImport(Library)]
    public static partial int lua_rawget(nint state, int index);

    [LibraryImport(Library)]
    public static partial int lua_rawgeti(nint state, int index, long n);

    [LibraryImport(Library)]
    public static partial void lua_createtable(nint state, int narr, int nrec);

    [LibraryImport(Library)]
    public static partial void lua_rawset(nint state, int index);

    [LibraryImport(Library)]
    public static partial void lua_rawseti(nint state, int index, long n);

    [LibraryImport(Library)]
    public static partial int lua_setmetatable(nint state, int index);

    [LibraryImport(Library)]
    public static partial int lua_next(nint state, int index);

    [LibraryImport(Library)]
    public static partial nint lua_getupvalue(nint state, int funcindex, int n);

    [LibraryImport(Library)]
    public static partial nint lua_setupvalue(nint state, int funcindex, int n);

    [LibraryImport(Library)]
    public static partial int lua_getstack(nint state, int level, void* ar);

    [LibraryImport(Library)]
    public static partial void lua_sethook(nint state, nint hook, int mask, int count);

    [LibraryImport(Library)]
    public static partial int lua_dump(nint state, delegate* unmanaged[Cdecl]<nint, void*, nuint, void*, int> writer, void* data, int strip);

    [LibraryImport(Library)]
    public static partial int luaL_loadbufferx(nint state, byte* buffer, nuint size, byte* name, byte* mode);

    [LibraryImport(Library)]
    public static partial int luaL_ref(nint state, int t);

    [LibraryImport(Library)]
    public static partial void luaL_unref(nint state, int t, int reference);

    [LibraryImport(Library)]
    public static partial nint luaL_newstate();

    /// <summary>
    /// <c>lua_error</c>'s address. Installed as a count hook it raises an error at the next instruction of the thread,
    /// from C: no managed frame is between the raise and the protected call that catches it.
    /// </summary>
    public static readonly nint ErrorHook = NativeLibrary.GetExport(NativeLibrary.Load(Library, typeof(LuaNative).Assembly, null), "lua_error");

    /// <summary>Gets the address of a <c>luaopen_*</c> function, to call as a Lua C function.</summary>
    public static nint Export(string name) => NativeLibrary.GetExport(NativeLibrary.Load(Library, typeof(LuaNative).Assembly, null), name);

    public static void Pop(nint state, int n) => lua_settop(state, -n - 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PushString(nint state, string value)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 512)
        {
            byte* buffer = stackalloc byte[max];
            var length = System.Text.Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, max));
            lua_pushlstring(state, buffer, (nuint)length);
            return;
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes)
        {
            lua_pushlstring(state, p, (nuint)bytes.Length);
        }
    }

    /// <summary>Reads the string at <paramref name="index"/>; only call on a value of type string (no conversion in place).</summary>
    public static string ToText(nint state, int index)
    {
        var p = lua_tolstring(state, index, out var length);
        return p is null ? string.Empty : System.Text.Encoding.UTF8.GetString(p, checked((int)length));
    }
}
