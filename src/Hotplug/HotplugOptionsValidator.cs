using Hotplug.Runtimes;
using Microsoft.Extensions.Options;

namespace Hotplug;

/// <summary>Validates <see cref="HotplugOptions"/> when the host is started (<c>ValidateOnStart</c>): every error in one message.</summary>
internal sealed class HotplugOptionsValidator(IEnumerable<IPluginRuntime> runtimes) : IValidateOptions<HotplugOptions>
{
    public ValidateOptionsResult Validate(string? name, HotplugOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate(runtimes.Select(r => r.Name));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(HotplugOptions.ErrorMessage(errors));
    }
}
