namespace TokenTrace.SemanticKernel;

/// <summary>The tags <see cref="TokenTraceKernelFilter"/> puts on records.</summary>
public static class TokenTraceKernelTags
{
    /// <summary>The kernel function a model call was made for (<c>Plugin.Function</c>, or the function's name when it has no plugin).</summary>
    public const string Function = "tokentrace.function";

    /// <summary>
    /// The value of the <c>tokentrace.usage</c> tag on a record the filter made from usage Semantic Kernel reported
    /// (function result or content metadata), as opposed to one recorded by an instrumented chat client.
    /// </summary>
    public const string KernelUsage = "kernel-function";
}
