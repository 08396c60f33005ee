"""Start-up file of the `molmask-static` kernel (tools/static_kernel.py): Altair charts become PNG images.

Runs in the notebook's namespace before its first cell, and leaves no names there. vl-convert draws the PNG; its
text would otherwise use whatever fonts the machine has installed (installing Liberation fonts changed 0.5 % of a
chart's pixels), so the renderer draws text in FreeSans, the font file RDKit ships (rdkit/Chem/Draw/FreeSans.ttf),
which every machine that runs molmask has, at the same version, through the pinned rdkit wheel.
"""
def _molmask_static_outputs():
    from pathlib import Path
    import altair as alt, vl_convert
    import rdkit.Chem.Draw
    vl_convert.register_font_directory(str(Path(rdkit.Chem.Draw.__file__).parent))
    alt.renderers.enable('png', ppi=144)      # drawn at 2x; the output's metadata keeps the 1x display size
    png = alt.renderers.get()

    def fixed_font_png(spec: dict, **kwargs):
        config = dict(spec.get('config', {}))
        config.setdefault('font', 'FreeSans')
        return png({**spec, 'config': config}, **kwargs)

    alt.renderers.register('molmask_static_png', fixed_font_png)
    alt.renderers.enable('molmask_static_png')

_molmask_static_outputs()
del _molmask_static_outputs
