// Every operation the app sends; types come from the committed SDL (npm run codegen).
import { graphql } from "../gql";

export const IllustrationThumbFields = graphql(`
  fragment IllustrationThumb on Illustration {
    id
    thumbnailUrl
    date
    datePrecision
    place { id name }
    country { code name }
    periodical { id title }
  }
`);

export const ClustersQuery = graphql(`
  query Clusters($where: ClusterWhere, $sort: ClusterSort, $first: Int!, $after: String, $pathHops: Int!) {
    clusters(where: $where, sort: $sort, first: $first, after: $after) {
      __typename
      ... on ClusterConnection {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id size placeCount countryCount periodicalCount firstDate lastDate spanDays
          name validated flagged
          firstAppearance { date datePrecision place { id name } country { code name } periodical { id title } }
          members(first: 6) { nodes { id illustration { ...IllustrationThumb } } }
          hops(first: $pathHops) { origin { id name } destination { id name } fromDate toDate lagDays }
        }
      }
      ... on InvalidInput { message }
      ... on NotFound { message }
    }
  }
`);

export const FiltersQuery = graphql(`
  query Filters {
    countries { code name }
    places(limit: 500) { id name countryCode }
    periodicals(limit: 500) { id title }
    corpora { name }
  }
`);

export const ClusterQuery = graphql(`
  query Cluster($id: ID!, $first: Int!) {
    cluster(id: $id) {
      id runId size placeCount countryCount periodicalCount firstDate lastDate spanDays
      name description validated flagged flagReason
      firstAppearance { date datePrecision place { id name } }
      appearances(first: $first) { ...AppearancePage }
      geojson
      exports { csv geojson }
      hops {
        origin { id name latitude longitude }
        destination { id name latitude longitude }
        fromDate toDate lagDays datePrecision fromIllustrationId toIllustrationId
      }
      timeSeries { year count }
    }
  }
`);

export const AppearancePageFields = graphql(`
  fragment AppearancePage on AppearanceConnection {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      illustrationId date datePrecision
      place { id name latitude longitude countryCode }
      country { code name }
      periodical { id title }
      illustration { id thumbnailUrl flagged }
    }
  }
`);

export const ClusterAppearancesQuery = graphql(`
  query ClusterAppearances($id: ID!, $first: Int!, $after: String) {
    cluster(id: $id) { id appearances(first: $first, after: $after) { ...AppearancePage } }
  }
`);

export const ClusterSearchQuery = graphql(`
  query ClusterPick($first: Int!) {
    clusters(first: $first, sort: { by: SIZE, direction: DESC }) {
      __typename
      ... on ClusterConnection { nodes { id name size firstDate placeCount } }
    }
  }
`);

export const IllustrationQuery = graphql(`
  query Illustration($id: ID!) {
    illustration(id: $id) {
      id xywh iiifRegionUrl thumbnailUrl segmenter flagged flagReason
      date datePrecision pageNumber publicationType
      place { id name latitude longitude }
      country { code name }
      periodical { id title publicationType }
      issue { id label manifestId date datePrecision rights attribution }
      viewInContext { manifestId canvasId miradorUrl universalViewerUrl }
      neighbours(k: 12) { score match illustration { ...IllustrationThumb } }
      cluster { id name size }
    }
  }
`);

export const SearchQuery = graphql(`
  query Search($illustrationId: ID, $imageUrl: String, $upload: Upload, $k: Int!, $where: SearchWhere) {
    searchSimilar(illustrationId: $illustrationId, imageUrl: $imageUrl, upload: $upload, k: $k, where: $where) {
      __typename
      ... on SimilarResults { hits { score match illustration { ...IllustrationThumb cluster { id name } } } }
      ... on InvalidInput { message field }
      ... on NotFound { message }
      ... on SearchUnavailable { message }
    }
  }
`);

export const FlowCellFields = graphql(`
  fragment FlowCell on Flow {
    origin { id name latitude longitude countryCode }
    destination { id name latitude longitude countryCode }
    originCountry { code name }
    destinationCountry { code name }
    count clusters meanLagDays
  }
`);

// The circulation screen's first request: the window's flows, and the places and countries
// to name and place them.
export const CirculationQuery = graphql(`
  query Circulation($where: FlowWhere, $groupBy: FlowGroupBy!, $limit: Int!) {
    flows(where: $where, groupBy: $groupBy, limit: $limit) {
      __typename
      ... on Flows { flows { ...FlowCell } }
      ... on InvalidInput { message }
      ... on NotFound { message }
    }
    places(limit: 500) { id name latitude longitude countryCode }
    countries { code name }
  }
`);

// Hops per decade or year (the bars that pick a period): the matrix's cells by country, their
// counts only; a period's own flows come from CirculationQuery with that period's dates.
export const FlowPeriodsQuery = graphql(`
  query FlowPeriods($where: FlowWhere, $period: FlowPeriod!) {
    flowMatrix(where: $where, groupBy: COUNTRY, period: $period) {
      __typename
      ... on FlowMatrix { periods cells { period count } }
      ... on InvalidInput { message }
      ... on NotFound { message }
    }
  }
`);

export const ReachedWithinQuery = graphql(`
  query ReachedWithin($from: Location!, $to: Location!, $years: Int!) {
    reachedWithin(from: $from, to: $to, years: $years) {
      __typename
      ... on Reaches { reaches { originDate arrivalDate lagDays cluster { id name size } } }
      ... on InvalidInput { message }
      ... on NotFound { message }
    }
  }
`);

export const CorporaQuery = graphql(`
  query Corpora {
    corpora { name segmenter created periodicalCount }
    clusteringRuns(limit: 1) { id threshold created corpus }
  }
`);

const JobFields = graphql(`
  fragment JobFields on IngestJob {
    id corpus total done failed pending harvested finished hasFailures manifests collections pages
    pagesSegmented pagesFailed illustrationsFound illustrationsIndexed etaSeconds
    stages { name done pending failed tracked perSecond etaSeconds }
    failureGroups { stage reason count examples }
    failures(limit: 100) { uri reason }
  }
`);
void JobFields;

export const IngestJobQuery = graphql(`
  query IngestJob($id: ID!) { ingestJob(id: $id) { ...JobFields } }
`);

export const JobProgressSubscription = graphql(`
  subscription JobProgress($id: ID!) { ingestJobProgress(id: $id) { ...JobFields } }
`);

export const CreateCorpusMutation = graphql(`
  mutation CreateCorpus($name: String!, $segmenter: String) {
    createCorpus(name: $name, segmenter: $segmenter) {
      __typename
      ... on Corpus { name }
      ... on Forbidden { message }
      ... on InvalidInput { message field }
    }
  }
`);

export const AddManifestsMutation = graphql(`
  mutation AddManifests($corpus: String!, $uris: [String!]!) {
    addManifests(corpus: $corpus, uris: $uris) {
      __typename
      ... on IngestJob { ...JobFields }
      ... on Forbidden { message }
      ... on InvalidInput { message field }
      ... on NotFound { message }
    }
  }
`);

const CurationFields = graphql(`
  fragment CurationFields on CurationResult {
    __typename
    ... on CurationApplied { decisionId status clusters { id name size } }
    ... on Forbidden { message }
    ... on InvalidInput { message field }
    ... on NotFound { message }
  }
`);
void CurationFields;

export const NameClusterMutation = graphql(`
  mutation NameCluster($id: ID!, $name: String!) { nameCluster(id: $id, name: $name) { ...CurationFields } }
`);
export const DescribeClusterMutation = graphql(`
  mutation DescribeCluster($id: ID!, $description: String!) {
    describeCluster(id: $id, description: $description) { ...CurationFields }
  }
`);
export const ValidateClusterMutation = graphql(`
  mutation ValidateCluster($id: ID!) { validateCluster(id: $id) { ...CurationFields } }
`);
export const FlagClusterMutation = graphql(`
  mutation FlagCluster($id: ID!, $reason: String!) { flagCluster(id: $id, reason: $reason) { ...CurationFields } }
`);
export const RemoveMemberMutation = graphql(`
  mutation RemoveMember($cluster: ID!, $illustration: ID!) {
    removeMember(cluster: $cluster, illustration: $illustration) { ...CurationFields }
  }
`);
export const SplitClusterMutation = graphql(`
  mutation SplitCluster($id: ID!, $groups: [[ID!]!]!) { splitCluster(id: $id, groups: $groups) { ...CurationFields } }
`);
export const MergeClustersMutation = graphql(`
  mutation MergeClusters($ids: [ID!]!) { mergeClusters(ids: $ids) { ...CurationFields } }
`);
export const StartClusteringMutation = graphql(`
  mutation StartClustering($threshold: Float!) {
    startClustering(threshold: $threshold) {
      __typename
      ... on ClusteringStarted { run { id } clusters leaves }
      ... on Forbidden { message }
      ... on InvalidInput { message field }
      ... on NotFound { message }
    }
  }
`);
