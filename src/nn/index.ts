/** nn: modules and layers arrive in their own issue; for now the functional ops. */
export * as functional from './functional';
