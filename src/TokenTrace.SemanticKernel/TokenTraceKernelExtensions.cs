using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace TokenTrace.SemanticKernel;

/// <summary>Adds <see cref="TokenTraceKernelFilter"/> to a kernel, as a function-invocation and an auto-function-invocation filter.</summary>
public static class TokenTraceKernelExtensions
{
    /// <summary>
    /// Registers the filter in the kernel builder's services, so every kernel built from it records the usage its
    /// functions report.
    /// </summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="tracker">The tracker; when null, the <see cref="TokenTracker"/> registered in the services (as <c>AddTokenTrace</c> registers it).</param>
    /// <param name="configure">Sets the filter's options (provider name).</param>
    /// <returns>The builder.</returns>
    /// <remarks>Registering it again does nothing: two filters would nest, and the outer one would record what the inner one did.</remarks>
    public static IKernelBuilder AddTokenTrace(this IKernelBuilder builder, TokenTracker? tracker = null, Action<TokenTraceKernelFilter>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(static d => d.ServiceType == typeof(TokenTraceKernelFilter)))
        {
            return builder;
        }
        builder.Services.AddSingleton(services =>
        {
            var filter = new TokenTraceKernelFilter(
                tracker ?? services.GetService<TokenTracker>() ?? throw new InvalidOperationException(
                    "AddTokenTrace found no TokenTracker: register one (services.AddTokenTrace(...)) or pass one."),
                services.GetService<ILoggerFactory>()?.CreateLogger<TokenTraceKernelFilter>());
            configure?.Invoke(filter);
            return filter;
        });
        builder.Services.AddSingleton<IFunctionInvocationFilter>(services => services.GetRequiredService<TokenTraceKernelFilter>());
        builder.Services.AddSingleton<IAutoFunctionInvocationFilter>(services => services.GetRequiredService<TokenTraceKernelFilter>());
        return builder;
    }

    /// <summary>Adds the filter to an existing kernel (its filter lists), so the usage its functions report is recorded.</summary>
    /// <param name="kernel">The kernel.</param>
    /// <param name="tracker">The tracker.</param>
    /// <param name="configure">Sets the filter's options (provider name).</param>
    /// <returns>The kernel.</returns>
    /// <remarks>A kernel that already has the filter (from <see cref="AddTokenTrace"/> or an earlier call) is left as it is.</remarks>
    public static Kernel UseTokenTrace(this Kernel kernel, TokenTracker tracker, Action<TokenTraceKernelFilter>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (kernel.FunctionInvocationFilters.OfType<TokenTraceKernelFilter>().Any())
        {
            return kernel;
        }
        var filter = new TokenTraceKernelFilter(tracker, kernel.LoggerFactory.CreateLogger<TokenTraceKernelFilter>());
        configure?.Invoke(filter);
        kernel.FunctionInvocationFilters.Add(filter);
        kernel.AutoFunctionInvocationFilters.Add(filter);
        return kernel;
    }
}
