import * as fs from 'fs';
import { describe, expect, it } from 'vitest';
import { AdapterDescription, dawnAddonPath, isSoftwareAdapter } from '../../../../src/tensor/backends/gpu/device';

const adapter = (fields: Partial<AdapterDescription>): AdapterDescription => ({
  vendor: '', architecture: '', device: '', description: '', fallback: false, maxBufferBytes: 1 << 30, ...fields,
});

describe('the WebGPU device', () => {
  it('tells software adapters (which setBackend("auto") passes over) from hardware ones', () => {
    expect(isSoftwareAdapter(adapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', fallback: true }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }))).toBe(false);
    expect(isSoftwareAdapter(adapter({ vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900' }))).toBe(false);
  });

  it("finds Dawn's Node addon inside the webgpu package for this platform", () => {
    const found = dawnAddonPath();
    expect('path' in found && fs.existsSync(found.path)).toBe(true);
  });
});
