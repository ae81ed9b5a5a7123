// torch.nn for TypeScript: Module, containers, layers, functional, init.
export {};
