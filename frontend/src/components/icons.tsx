// Small inline icons (no icon font, no CDN).
import type { SVGProps } from "react";

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

function Svg({ size = 14, children, ...rest }: IconProps) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor"
      strokeWidth={1.5} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" {...rest}>
      {children}
    </svg>
  );
}

export const GearIcon = (p: IconProps) => (
  <Svg {...p}><circle cx="8" cy="8" r="2.2" /><path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4" /></Svg>
);
export const PersonIcon = (p: IconProps) => (
  <Svg {...p}><circle cx="8" cy="5" r="2.6" /><path d="M2.8 14c.6-2.8 2.7-4.2 5.2-4.2s4.6 1.4 5.2 4.2" /></Svg>
);
export const PlayIcon = (p: IconProps) => (
  <Svg {...p}><path d="M5 3.5v9l7-4.5z" fill="currentColor" /></Svg>
);
export const StopIcon = (p: IconProps) => (
  <Svg {...p}><rect x="4" y="4" width="8" height="8" rx="1.5" fill="currentColor" /></Svg>
);
export const DiamondIcon = (p: IconProps) => (
  <Svg {...p}><path d="M8 1.8 14.2 8 8 14.2 1.8 8z" /></Svg>
);
export const StageIcon = (p: IconProps) => (
  <Svg {...p}><rect x="2" y="2.5" width="12" height="11" rx="2" /><path d="M2 6h12M5 8.5h6M5 11h4" /></Svg>
);
export const ClockIcon = (p: IconProps) => (
  <Svg {...p}><circle cx="8" cy="8" r="6" /><path d="M8 4.5V8l2.5 1.5" /></Svg>
);
export const LinkIcon = (p: IconProps) => (
  <Svg {...p}><path d="M6.5 9.5l3-3M7 4.5l1-1a2.5 2.5 0 0 1 3.5 3.5l-1 1M9 11.5l-1 1A2.5 2.5 0 0 1 4.5 9l1-1" /></Svg>
);
export const AlertIcon = (p: IconProps) => (
  <Svg {...p}><path d="M8 2 14.5 13.5h-13z" /><path d="M8 6.5v3M8 11.5v.2" /></Svg>
);
export const ArrowUpIcon = (p: IconProps) => (<Svg {...p}><path d="M8 13V3M4 7l4-4 4 4" /></Svg>);
export const ArrowDownIcon = (p: IconProps) => (<Svg {...p}><path d="M8 3v10M4 9l4 4 4-4" /></Svg>);
export const CloseIcon = (p: IconProps) => (<Svg {...p}><path d="M4 4l8 8M12 4l-8 8" /></Svg>);
export const PlusIcon = (p: IconProps) => (<Svg {...p}><path d="M8 3v10M3 8h10" /></Svg>);
export const UndoIcon = (p: IconProps) => (<Svg {...p}><path d="M5.5 3 2.5 6l3 3" /><path d="M2.5 6h7a4 4 0 0 1 0 8H7" /></Svg>);
export const RedoIcon = (p: IconProps) => (<Svg {...p}><path d="M10.5 3l3 3-3 3" /><path d="M13.5 6h-7a4 4 0 0 0 0 8H9" /></Svg>);
export const SearchIcon = (p: IconProps) => (<Svg {...p}><circle cx="7" cy="7" r="4.5" /><path d="M10.5 10.5 14 14" /></Svg>);
export const LayoutIcon = (p: IconProps) => (<Svg {...p}><rect x="1.5" y="3" width="4" height="4" rx="1" /><rect x="10.5" y="2" width="4" height="4" rx="1" /><rect x="10.5" y="10" width="4" height="4" rx="1" /><path d="M5.5 5h2.5v7h2.5M8 4h2.5" /></Svg>);
export const SaveIcon = (p: IconProps) => (<Svg {...p}><path d="M3 2.5h8l2.5 2.5v8.5H3z" /><path d="M5.5 2.5v3.5h4.5V2.5M5 13.5V9.5h6v4" /></Svg>);
export const HistoryIcon = (p: IconProps) => (<Svg {...p}><path d="M2.5 8a5.5 5.5 0 1 0 1.7-4" /><path d="M2 2.5v3h3" /><path d="M8 5v3.2l2 1.3" /></Svg>);
export const UploadIcon = (p: IconProps) => (<Svg {...p}><path d="M8 11V2.5M4.5 6 8 2.5 11.5 6M2.5 11v2.5h11V11" /></Svg>);
export const DownloadIcon = (p: IconProps) => (<Svg {...p}><path d="M8 2.5V11M4.5 7.5 8 11l3.5-3.5M2.5 11v2.5h11V11" /></Svg>);
export const CopyIcon = (p: IconProps) => (<Svg {...p}><rect x="5" y="5" width="8.5" height="8.5" rx="1.5" /><path d="M11 5V3.5A1 1 0 0 0 10 2.5H3.5a1 1 0 0 0-1 1V10a1 1 0 0 0 1 1H5" /></Svg>);
export const TrashIcon = (p: IconProps) => (<Svg {...p}><path d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4" /></Svg>);
export const FitIcon = (p: IconProps) => (<Svg {...p}><path d="M2 5.5V2h3.5M10.5 2H14v3.5M14 10.5V14h-3.5M5.5 14H2v-3.5" /></Svg>);
export const ChevronLeftIcon = (p: IconProps) => (<Svg {...p}><path d="M10 3 5 8l5 5" /></Svg>);
