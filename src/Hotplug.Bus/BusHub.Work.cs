using Hotplug.Bus.Protocol;
using Hotplug.Wire;

namespace Hotplug.Bus;

// Surveys (every member asked, answers until a deadline) and work items (one member each, with credit).
public sealed partial class BusHub
{
    /// <summary>Gets how many work items members answered with an error (each is logged).</summary>
    public long FailedItems => Interlocked.Read(ref _failedItems);

    /// <summary>Asks every online member serving the contract, and gathers the answers that arrive before the deadline.</summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <typeparam name="TResult">The answer's type.</typeparam>
    /// <param name="service">The service (bus plugin id).</param>
    /// <param name="ask">The call to make of each member, such as <c>c =&gt; c.ApplicableAsync(user)</c>.</param>
    /// <param name="deadline">How long to wait for answers; answers that arrive later are dropped.</param>
    /// <param name="cancellationToken">Cancels the survey.</param>
    /// <returns>What arrived in time; a survey with no member online has no answers.</returns>
    public Task<SurveyResult<TResult>> SurveyAsync<TContract, TResult>(string service, Func<TContract, Task<TResult>> ask, TimeSpan deadline, CancellationToken cancellationToken = default)
        where TContract : class =>
        SurveyCoreAsync<TContract, TResult>(service, c => ask(c), deadline, cancellationToken);

    /// <inheritdoc cref="SurveyAsync{TContract, TResult}(string, Func{TContract, Task{TResult}}, TimeSpan, CancellationToken)"/>
    public Task<SurveyResult<TResult>> SurveyAsync<TContract, TResult>(string service, Func<TContract, ValueTask<TResult>> ask, TimeSpan deadline, CancellationToken cancellationToken = default)
        where TContract : class =>
        SurveyCoreAsync<TContract, TResult>(service, c => ask(c), deadline, cancellationToken);

    /// <summary>
    /// Hands a work item to one of the members serving the contract (pipeline): fairly, to one with room; it waits while
    /// every member is full (back-pressure). The item's answer is not awaited: a member that fails it logs it, and one that
    /// vanishes before it answers has the item handed to another member.
    /// </summary>
    /// <typeparam name="TContract">The contract interface.</typeparam>
    /// <param name="service">The service (bus plugin id).</param>
    /// <param name="item">The call that is the item, such as <c>c =&gt; c.IndexAsync(document)</c>.</param>
    /// <param name="cancellationToken">Cancels the wait for room.</param>
    /// <returns>A task that completes when a member took the item.</returns>
    public Task PushAsync<TContract>(string service, Func<TContract, Task> item, CancellationToken cancellationToken = default)
        where TContract : class => PushCoreAsync<TContract>(service, c => item(c), cancellationToken);

    /// <inheritdoc cref="PushAsync{TContract}(string, Func{TContract, Task}, CancellationToken)"/>
    public Task PushAsync<TContract>(string service, Func<TContract, ValueTask> item, CancellationToken cancellationToken = default)
        where TContract : class => PushCoreAsync<TContract>(service, c => item(c), cancellationToken);

    private async Task<SurveyResult<TResult>> SurveyCoreAsync<TContract, TResult>(string service, Func<TContract, object> ask, TimeSpan deadline, CancellationToken cancellationToken)
        where TContract : class
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        var (schema, operation, values) = CallCapture.Capture(ask);
        var payload = operation.Request.Encode(values);
        if (payload.Length > _options.MaxMessageBytes)
        {
            throw new BusMessageTooLargeException(payload.Length, _options.MaxMessageBytes);
        }

        var id = NextId();
        SurveyState survey;
        lock (_gate)
        {
            var members = _members.Values.Where(m => m.Service == service && m.Serves(schema.ContractName!)).ToList();
            survey = new SurveyState(id, operation, [.. members.Select(m => m.Name)]);
            _surveys[id] = survey;
            foreach (var member in members)
            {
                Send(member, new BusHeader(FrameKind.Survey, id, (int)Math.Min(int.MaxValue, deadline.TotalMilliseconds)), BusFrames.Text(schema.ContractName!), BusFrames.Text(operation.Name), payload);
            }

            survey.Start();
        }

        try
        {
            await survey.Complete.WaitAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The deadline: what arrived is the answer.
        }
        catch (OperationCanceledException)
        {
            // Cancelled: answers that arrive now are late ones.
            lock (_gate)
            {
                _surveys.Remove(id);
            }

            throw;
        }

        lock (_gate)
        {
            _surveys.Remove(id);
            return new SurveyResult<TResult>(
                survey.Asked,
                [.. survey.Answers.Select(a => new SurveyAnswer<TResult>(a.Member, (TResult)operation.Response.Decode(a.Payload.AsSpan())[0]!))],
                [.. survey.Failures]);
        }
    }

    private async Task PushCoreAsync<TContract>(string service, Func<TContract, object> item, CancellationToken cancellationToken)
        where TContract : class
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        var (schema, operation, values) = CallCapture.Capture(item);
        var call = Start(FrameKind.Push, service, schema.ContractName!, operation, operation.Request.Encode(values), 0);
        _ = call.Done.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await call.Assigned.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            call.Fail(new OperationCanceledException(cancellationToken));
            throw;
        }
    }
}
