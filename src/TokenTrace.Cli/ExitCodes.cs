namespace TokenTrace.Cli;

/// <summary>The exit codes scripts rely on.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int BudgetExhausted = 3;
}
