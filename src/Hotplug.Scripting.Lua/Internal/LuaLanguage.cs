using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using static Hotplug.Scripting.Lua.Internal.LuaNative;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>Lua 5.4: a version's source is compiled once to bytecode, which each engine loads.</summary>
internal sealed partial class LuaLanguage : IScriptLanguage
{
    public string Name => "lua";

    public IScriptProgram Compile(ScriptSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return LuaProgram.Compile(source);
    }

    /// <summary>Where a Lua message says the error is: <c>rank.lua:12: unexpected symbol near 'x'</c>.</summary>
    [GeneratedRegex(@":(\d+):")]
    internal static partial Regex LinePattern();
}

/// <summary>A version's script compiled to Lua bytecode (with its line information), shared by the version's engines.</summary>
internal sealed unsafe class LuaProgram : IScriptProgram
{
    private readonly byte[] _bytecode;
    private readonly byte[] _chunkName;

    private LuaProgram(byte[] bytecode, byte[] chunkName, string name)
    {
        _bytecode = bytecode;
        _chunkName = chunkName;
        Name = name;
    }

    public string Name { get; }

    public static LuaProgram Compile(ScriptSource source)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(source.Text);
        var chunkName = System.Text.Encoding.UTF8.GetBytes("@" + source.Name + "\0");
        var L = luaL_newstate();
        if (L == 0)
        {
            throw new ScriptException("The Lua state could not be created.");
        }

        try
        {
            fixed (byte* p = text)
            fixed (byte* name = chunkName)
            fixed (byte* mode = "t\0"u8)
            {
                if (luaL_loadbufferx(L, p, (nuint)text.Length, name, mode) != Ok)
                {
                    var message = LuaEngine.ErrorText(L);
                    var line = LuaLanguage.LinePattern().Match(message) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                    throw new ScriptCompileException(source.Name, line, 0, message);
                }
            }

            var output = new MemoryStream();
            var handle = GCHandle.Alloc(output);
            try
            {
                lua_dump(L, &Write, (void*)GCHandle.ToIntPtr(handle), 0);
            }
            finally
            {
                handle.Free();
            }

            return new LuaProgram(output.ToArray(), chunkName, source.Name);
        }
        finally
        {
            lua_close(L);
        }
    }

    /// <summary>Pushes the script's main function onto <paramref name="L"/>, loaded from the bytecode.</summary>
    public void Push(nint L)
    {
        fixed (byte* p = _bytecode)
        fixed (byte* name = _chunkName)
        fixed (byte* mode = "b\0"u8)
        {
            if (luaL_loadbufferx(L, p, (nuint)_bytecode.Length, name, mode) != Ok)
            {
                throw new ScriptException($"{Name}: {LuaEngine.ErrorText(L)}");
            }
        }
    }

    public IScriptEngine CreateEngine(ScriptEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new LuaEngine(this, environment);
    }

    public void Dispose()
    {
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Write(nint L, void* p, nuint size, void* ud)
    {
        try
        {
            ((MemoryStream)GCHandle.FromIntPtr((nint)ud).Target!).Write(new ReadOnlySpan<byte>(p, checked((int)size)));
            return 0;
        }
        catch (Exception)
        {
            return 1;
        }
    }
}
