import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder until the instrument command lands; registers nothing so the CLI builds.
export function register(_parent: Command, _ctx: CliContext): void {}
