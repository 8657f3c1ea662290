#!/usr/bin/env node
import '../dist/bundle/create-secure-mcp.js';
