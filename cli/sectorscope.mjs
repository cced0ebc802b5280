#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so the repository needs no build step for the command line.
import { register } from 'tsx/esm/api';

register();
await import('./run.ts');
