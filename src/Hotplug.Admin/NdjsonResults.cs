using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Hotplug.Admin;

/// <summary>
/// Writes the results of a stream call as NDJSON: one line per result, <c>{"result": ...}</c>, and a last line
/// <c>{"error": {"code", "message"}}</c> when the call fails after its first result.
/// </summary>
/// <remarks>
/// <para>
/// Each result is written as it comes, and flushed whenever the next one is not ready at once (or when 16 KiB
/// wait), so nothing sits in the server while the plugin works. A flush waits while the client is behind (the
/// response pipe and the socket are full), and the next result is asked for only then: a client that reads
/// slowly slows the plugin down, one item at a time, instead of piling its items up in the host.
/// </para>
/// <para>
/// Results are wrapped rather than written bare so that an error line can never be mistaken for an item that
/// happens to look like one. A client that goes away cancels <see cref="HttpContext.RequestAborted"/>, which
/// cancels the call and the plugin's token.
/// </para>
/// </remarks>
internal static class NdjsonResults
{
    public const string ContentType = "application/x-ndjson";

    private const int FlushThreshold = 16 * 1024;
    private static readonly MediaTypeHeaderValue Ndjson = new(ContentType);
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Gets whether the request accepts NDJSON: no <c>Accept</c>, <c>*/*</c>, <c>application/*</c> or <c>application/x-ndjson</c>.</summary>
    public static bool Accepted(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        return accept.Count == 0 || accept.Any(a => a.Quality is not 0 && Ndjson.IsSubsetOf(a));
    }

    /// <summary>Writes <paramref name="results"/> to the response.</summary>
    /// <exception cref="Exception">What the call threw before its first result, for the caller to answer with an error status.</exception>
    public static async Task WriteAsync(HttpContext context, IAsyncEnumerable<JsonElement> results)
    {
        var cancellationToken = context.RequestAborted;
        var writer = context.Response.BodyWriter;
        var started = false;
        long unflushed = 0;
        using var json = new Utf8JsonWriter(writer, new JsonWriterOptions { Encoder = AdminJson.Options.Encoder });
        var enumerator = results.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                var next = enumerator.MoveNextAsync();
                bool hasResult;
                if (next.IsCompleted || unflushed == 0)
                {
                    hasResult = await next.ConfigureAwait(false);
                }
                else
                {
                    // The plugin is working on the next result: send what is written meanwhile.
                    var pending = next.AsTask();
                    if (!await FlushAsync(writer, pending, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    unflushed = 0;
                    hasResult = await pending.ConfigureAwait(false);
                }

                if (!hasResult)
                {
                    break;
                }

                if (!started)
                {
                    Start(context);
                    started = true;
                }

                unflushed += WriteLine(json, writer, line => enumerator.Current.WriteTo(line), "result");
                if (unflushed >= FlushThreshold)
                {
                    if (!await FlushAsync(writer, null, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }

                    unflushed = 0;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: the call is cancelled, and nobody is left to answer.
            return;
        }
        catch (Exception ex) when (started)
        {
            var error = AdminErrors.Describe(ex).Error;
            WriteLine(json, writer, line => JsonSerializer.Serialize(line, error, AdminJson.Options), "error");
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }

        if (!started)
        {
            // No result at all: an empty stream is still a stream.
            Start(context);
        }

        await FlushAsync(writer, null, cancellationToken).ConfigureAwait(false);
    }

    private static void Start(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Writes <c>{"name": value}</c> and a line feed.</summary>
    /// <returns>How many bytes were written.</returns>
    private static int WriteLine(Utf8JsonWriter json, PipeWriter writer, Action<Utf8JsonWriter> value, string name)
    {
        json.Reset(writer);
        json.WriteStartObject();
        json.WritePropertyName(name);
        value(json);
        json.WriteEndObject();
        json.Flush();
        writer.Write(NewLine);
        return (int)json.BytesCommitted + NewLine.Length;
    }

    /// <summary>Flushes, waiting while the client is behind.</summary>
    /// <returns><see langword="false"/> when the client has gone.</returns>
    private static async Task<bool> FlushAsync(PipeWriter writer, Task? pending, CancellationToken cancellationToken)
    {
        try
        {
            var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (!result.IsCompleted && !result.IsCanceled)
            {
                return true;
            }
        }
        catch (Exception) when (pending is not null)
        {
            // The enumerator cannot be disposed while it is reading: let the read end (the call's token is
            // cancelled with the request's), then let the failure through.
            await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        if (pending is not null)
        {
            await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return false;
    }
}
