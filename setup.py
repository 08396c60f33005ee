"""Packaging for molmask_nb; every setting comes from settings.ini (nbdev 2 layout)."""
from configparser import ConfigParser
from pathlib import Path
import setuptools
from setuptools.command.build_py import build_py

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

class BuildWithNotebooks(build_py):
    "Also copy the experiment notebooks (nbs/experiments/*.ipynb) into the built package as molmask_nb/experiments/."
    def run(self):
        super().run()
        if self.editable_mode: return   # an editable install reads them from nbs/experiments
        target = Path(self.build_lib) / cfg['lib_name'] / 'experiments'
        self.mkpath(str(target))
        for nb in sorted(Path('nbs/experiments').glob('*.ipynb')): self.copy_file(str(nb), str(target / nb.name))

setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(), long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'], url=cfg['git_url'], license='Apache-2.0',
    keywords=cfg['keywords'].split(), python_requires=f">={cfg['min_python']}",
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    package_data={cfg['lib_name']: ['assets/*.md', 'assets/*.tsv', 'assets/*/*.csv.gz', 'assets/examples/*.csv', 'presets/*.yaml']},
    include_package_data=True, zip_safe=False, cmdclass={'build_py': BuildWithNotebooks},
    install_requires=cfg['requirements'].split(),
    extras_require={'dev': cfg['dev_requirements'].split(), 'ray': ['ray==2.60.0'], 'parquet': ['pyarrow==26.0.1']},
    entry_points={'console_scripts': cfg['console_scripts'].split(), 'nbdev': [f"{cfg['lib_name']}={cfg['lib_name']}._modidx:d"]},
)
