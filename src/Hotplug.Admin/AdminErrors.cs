using Microsoft.AspNetCore.Http;

namespace Hotplug.Admin;

/// <summary>The admin API's error codes and how plugin errors map to HTTP.</summary>
internal static class AdminErrors
{
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not_found";
    public const string PluginUnavailable = "plugin_unavailable";
    public const string BadArguments = "bad_arguments";
    public const string BadRequest = "bad_request";
    public const string PluginError = "plugin_error";
    public const string PluginTimeout = "plugin_timeout";
    public const string Internal = "internal_error";

    public static IResult Result(int status, string code, string message) =>
        Results.Json(new ErrorBody(new ErrorDetail(code, message)), AdminJson.Options, statusCode: status);

    public static IResult From(Exception exception) => exception switch
    {
        PluginUnavailableException e => Result(StatusCodes.Status404NotFound, PluginUnavailable, e.Message),
        PluginInvocationArgumentException e => Result(StatusCodes.Status400BadRequest, BadArguments, e.Message),
        PluginTimeoutException e => Result(StatusCodes.Status504GatewayTimeout, PluginTimeout, e.Message),
        PluginInvocationException e => Result(StatusCodes.Status502BadGateway, PluginError, e.Message),
        PluginException e => Result(StatusCodes.Status500InternalServerError, Internal, e.Message),
        _ => Result(StatusCodes.Status500InternalServerError, Internal, $"{exception.GetType().Name}: {exception.Message}"),
    };

    internal sealed record ErrorBody(ErrorDetail Error);

    internal sealed record ErrorDetail(string Code, string Message);
}
