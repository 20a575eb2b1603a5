using Microsoft.Extensions.Options;

namespace Hotplug.Process;

/// <summary>Checks <see cref="ProcessRuntimeOptions"/> when the host starts: every problem, supervision's included, in one message.</summary>
internal sealed class ProcessRuntimeOptionsValidator : IValidateOptions<ProcessRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, ProcessRuntimeOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Invalid process runtime options (AddProcessRuntime): " + string.Join(" ", errors));
    }
}
