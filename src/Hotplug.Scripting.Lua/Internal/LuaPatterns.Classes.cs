namespace Hotplug.Scripting.Lua.Internal;

/// <summary>Character classes, sets and balanced pairs of Lua patterns (lstrlib.c's <c>classEnd</c>, <c>match_class</c>, <c>matchbracketclass</c>, <c>singlematch</c>, <c>matchbalance</c>).</summary>
internal ref partial struct LuaPatterns
{
    private int ClassEnd(int p)
    {
        var c = _pat[p++];
        if (c == Esc)
        {
            if (p >= _pat.Length)
            {
                throw new LuaPatternException("malformed pattern (ends with '%')");
            }

            return p + 1;
        }

        if (c == (byte)'[')
        {
            if (P(p) == (byte)'^')
            {
                p++;
            }

            do
            {
                if (p >= _pat.Length)
                {
                    throw new LuaPatternException("malformed pattern (missing ']')");
                }

                if (_pat[p++] == Esc && p < _pat.Length)
                {
                    p++;
                }
            }
            while (P(p) != (byte)']');

            return p + 1;
        }

        return p;
    }

    private static bool MatchClass(int c, int cl)
    {
        bool result;
        switch (cl | 0x20)
        {
            case 'a': result = char.IsAsciiLetter((char)c); break;
            case 'c': result = c < 32 || c == 127; break;
            case 'd': result = c is >= '0' and <= '9'; break;
            case 'g': result = c is > 32 and < 127; break;
            case 'l': result = c is >= 'a' and <= 'z'; break;
            case 'p': result = c is > 32 and < 127 && !char.IsAsciiLetterOrDigit((char)c); break;
            case 's': result = c is ' ' or (>= 9 and <= 13); break;
            case 'u': result = c is >= 'A' and <= 'Z'; break;
            case 'w': result = char.IsAsciiLetterOrDigit((char)c); break;
            case 'x': result = char.IsAsciiHexDigit((char)c); break;
            default: return cl == c;
        }

        return cl is >= 'A' and <= 'Z' ? !result : result;
    }

    private bool MatchBracketClass(int c, int p, int ec)
    {
        var sig = true;
        if (P(p + 1) == (byte)'^')
        {
            sig = false;
            p++;
        }

        while (++p < ec)
        {
            if (_pat[p] == Esc)
            {
                p++;
                if (MatchClass(c, P(p)))
                {
                    return sig;
                }
            }
            else if (P(p + 1) == (byte)'-' && p + 2 < ec)
            {
                p += 2;
                if (_pat[p - 2] <= c && c <= _pat[p])
                {
                    return sig;
                }
            }
            else if (_pat[p] == c)
            {
                return sig;
            }
        }

        return !sig;
    }

    private bool SingleMatch(int s, int p, int ep)
    {
        if (s >= _src.Length)
        {
            return false;
        }

        int c = _src[s];
        return _pat[p] switch
        {
            (byte)'.' => true,
            Esc => MatchClass(c, P(p + 1)),
            (byte)'[' => MatchBracketClass(c, p, ep - 1),
            var literal => literal == c,
        };
    }

    private int MatchBalance(int s, int p)
    {
        if (p >= _pat.Length - 1)
        {
            throw new LuaPatternException("malformed pattern (missing arguments to '%b')");
        }

        if (s >= _src.Length || _src[s] != _pat[p])
        {
            return -1;
        }

        int b = _pat[p], e = _pat[p + 1], open = 1;
        while (++s < _src.Length)
        {
            if (_src[s] == e)
            {
                if (--open == 0)
                {
                    return s + 1;
                }
            }
            else if (_src[s] == b)
            {
                open++;
            }
        }

        return -1;
    }
}
