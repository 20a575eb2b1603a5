using Hotplug.Runtimes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hotplug;

/// <summary>Validates <see cref="HotplugOptions"/> when the host is started (<c>ValidateOnStart</c>): every error in one message.</summary>
/// <remarks>
/// The runtimes are resolved when options are validated, not when the validator is created: a runtime's own options
/// may be configured from the host's (the assembly runtime's shared assemblies are), and resolving the runtimes up
/// front would make the host's options depend on themselves.
/// </remarks>
internal sealed class HotplugOptionsValidator(IServiceProvider services) : IValidateOptions<HotplugOptions>
{
    public ValidateOptionsResult Validate(string? name, HotplugOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate(services.GetServices<IPluginRuntime>().Select(r => r.Name));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(HotplugOptions.ErrorMessage(errors));
    }
}
