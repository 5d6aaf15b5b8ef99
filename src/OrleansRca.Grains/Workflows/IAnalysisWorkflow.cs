namespace OrleansRca.Grains.Workflows;

/// <summary>
/// One analysis kind's work, as a plain class: the orchestrator grain holds the state, the timer, the
/// reminder and the failure handling; a workflow cuts the work into pieces, fans them out to worker
/// grains through its <see cref="WorkflowContext"/>, records finished pieces there, and assembles the
/// result. Adding a kind is a new workflow and a line in <see cref="Workflows.For"/>.
/// </summary>
public interface IAnalysisWorkflow
{
    /// <summary>Checks what needs the data (columns, values), on the orchestrator's silo, before anything is stored.</summary>
    /// <exception cref="OrleansRca.Causal.InputException">Bad input, naming it.</exception>
    Task ValidateAsync(WorkflowContext context, CancellationToken cancellationToken);

    /// <summary>Runs or resumes the analysis (skipping pieces already in <see cref="WorkflowContext.Pieces"/>); the verb's JSON document.</summary>
    Task<string> RunAsync(WorkflowContext context, CancellationToken cancellationToken);
}

/// <summary>The list of analysis kinds the cluster runs, and the workflow of each.</summary>
public static class Workflows
{
    public static IAnalysisWorkflow For(AnalysisSpec spec) => spec switch
    {
        MediationSpec m => new MediationWorkflow(m),
        DiscreteSpec d => new DiscreteWorkflow(d),
        DiscoverySpec d => new DiscoveryWorkflow(d),
        LocalizationSpec l => new LocalizationWorkflow(l),
        MitigationSpec m => new MitigationWorkflow(m),
        _ => throw new OrleansRca.Causal.InputException($"analysis kind '{spec.Kind}' is not supported by the cluster yet"),
    };
}
