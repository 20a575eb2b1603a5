using System.Reflection;
using Bench.Contracts;
using BenchmarkDotNet.Attributes;
using Hotplug.Contracts;

namespace Hotplug.Benchmarks;

/// <summary>
/// The contract layer's proxy and dispatcher (a call becomes an operation and its values, and back) against the
/// reflective path it replaces: a <see cref="DispatchProxy"/> that finds the method and calls it with
/// <see cref="MethodInfo.Invoke(object, object[])"/>. Every proxy here ends at the same in-process calculator;
/// the router benchmark is apart and unchanged (<see cref="RouterBenchmarks"/>).
/// </summary>
[MemoryDiagnoser]
public class ContractLayerBenchmarks
{
    private static readonly object?[] Values = [2, 3];
    private ICalculator _direct = null!;
    private ICalculator _old = null!;
    private ICalculatorReflected _reflected = null!;
    private ICalculator _generated = null!;
    private OperationDispatcher _dispatcher = null!;
    private OperationDescriptor _add = null!;
    private MethodInfo _method = null!;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        _direct = new LocalCalculator();
        _old = ReflectiveProxy.Create<ICalculator>(_direct);

        // Declared here without [PluginContract], so the generator leaves it to reflection; ICalculator is generated.
        var reflected = ContractDescriptor.For<ICalculatorReflected>();
        _reflected = ContractProxy.Create<ICalculatorReflected>(new OperationDispatcher(reflected, new ReflectedCalculator()));
        var generated = ContractDescriptor.For<ICalculator>();
        if (!generated.IsGenerated || reflected.IsGenerated)
        {
            throw new InvalidOperationException("ICalculator should have generated contract code and ICalculatorReflected none.");
        }

        _dispatcher = new OperationDispatcher(generated, _direct);
        _generated = ContractProxy.Create<ICalculator>(_dispatcher);
        _add = generated.Operations[0];
        _method = typeof(ICalculator).GetMethod(nameof(ICalculator.AddAsync))!;
    }

    [Benchmark(Baseline = true, Description = "direct interface call")]
    public int Direct() => Result(_direct.AddAsync(_i++, 1));

    [Benchmark(Description = "old: DispatchProxy + MethodInfo.Invoke")]
    public int OldProxy() => Result(_old.AddAsync(_i++, 1));

    [Benchmark(Description = "proxy + dispatcher, by reflection")]
    public int ReflectedProxy() => Result(_reflected.AddAsync(_i++, 1));

    [Benchmark(Description = "proxy + dispatcher, generated")]
    public int GeneratedProxy() => Result(_generated.AddAsync(_i++, 1));

    [Benchmark(Description = "old: MethodInfo.Invoke by operation")]
    public int OldDispatch()
    {
        var returned = (ValueTask<int>)_method.Invoke(_direct, [2, 3, CancellationToken.None])!;
        return Result(returned);
    }

    [Benchmark(Description = "dispatcher by operation, generated")]
    public int Dispatch()
    {
        var pending = _dispatcher.InvokeAsync(_add, Values, CancellationToken.None);
        return pending.IsCompletedSuccessfully ? (int)pending.Result! : -1;
    }

    private static int Result(ValueTask<int> task) => task.IsCompletedSuccessfully ? task.Result : -1;

    /// <summary>The same contract as <see cref="ICalculator"/>, which the generator does not see.</summary>
    public interface ICalculatorReflected
    {
        /// <summary>Adds two numbers.</summary>
        ValueTask<int> AddAsync(int a, int b, CancellationToken cancellationToken = default);
    }

    private sealed class ReflectedCalculator : ICalculatorReflected
    {
        public ValueTask<int> AddAsync(int a, int b, CancellationToken cancellationToken = default) => new(a + b);
    }

    /// <summary>What the proxies were before the contract layer: find the method, call it by reflection.</summary>
#pragma warning disable CA1852 // DispatchProxy derives from it at run time.
    internal class ReflectiveProxy : DispatchProxy
#pragma warning restore CA1852
    {
        private object _target = null!;

        public static T Create<T>(T target)
            where T : class
        {
            var proxy = DispatchProxy.Create<T, ReflectiveProxy>();
            ((ReflectiveProxy)(object)proxy)._target = target;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod!.Invoke(_target, BindingFlags.DoNotWrapExceptions, null, args, null);
    }
}
