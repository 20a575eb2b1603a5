using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hotplug.Admin;

/// <summary>The admin API's JSON: camelCase, enums as camelCase strings, as ASP.NET writes by default.</summary>
internal static class AdminJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        // Relaxed escaping: this JSON is read by tools and people, never embedded in HTML.
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}
